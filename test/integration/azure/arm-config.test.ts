import { ConfigError, loadConfig } from "../../../src/config";
import { createArmAdapters } from "../../../src/azure/arm";
import { createArmCredential, EMULATOR_TOKEN } from "../../../src/azure/credentials";
import { ArmTestEnv, startArmTestEnv } from "./arm-test-env";

const BASE = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };

describe("ARM settings", () => {
  it("defaults to management.azure.com, DefaultAzureCredential, 2 s polls and a 1 CPU / 2 GB runner", () => {
    const config = loadConfig(BASE);
    expect(config.arm).toEqual({
      endpoint: "https://management.azure.com",
      caCertFile: undefined,
      credential: { kind: "default" },
      pollIntervalMs: 2000,
    });
    expect(config.runnerContainer).toEqual({ cpu: 1, memoryInGB: 2 });
  });

  it("reads every ARM and runner setting", () => {
    const config = loadConfig({
      ...BASE,
      ARM_ENDPOINT: "https://127.0.0.1:8443/",
      ARM_CA_CERT_FILE: ".local/arm/tls/arm-emulator-cert.pem",
      AZURE_CREDENTIAL: "emulator",
      ARM_POLL_INTERVAL_MS: "25",
      RUNNER_CPU: "0.5",
      RUNNER_MEMORY_GB: "1.5",
    });
    expect(config.arm).toEqual({
      endpoint: "https://127.0.0.1:8443",
      caCertFile: ".local/arm/tls/arm-emulator-cert.pem",
      credential: { kind: "emulator" },
      pollIntervalMs: 25,
    });
    expect(config.runnerContainer).toEqual({ cpu: 0.5, memoryInGB: 1.5 });
    expect(
      loadConfig({ ...BASE, AZURE_CREDENTIAL: "managedIdentity", AZURE_CLIENT_ID: "client-1" }).arm
        .credential,
    ).toEqual({ kind: "managedIdentity", clientId: "client-1" });
  });

  it.each([
    [{ ARM_ENDPOINT: "http://127.0.0.1:8080" }, "ARM_ENDPOINT must be an https:// URL"],
    [{ ARM_ENDPOINT: "not a url" }, "ARM_ENDPOINT must be an https:// URL"],
    [
      { AZURE_CREDENTIAL: "emulator" },
      "AZURE_CREDENTIAL=emulator is only allowed with a loopback ARM_ENDPOINT",
    ],
    [
      { AZURE_CREDENTIAL: "emulator", ARM_ENDPOINT: "https://127.0.0.1.evil.example" },
      "only allowed with a loopback ARM_ENDPOINT",
    ],
    [{ AZURE_CREDENTIAL: "password" }, "AZURE_CREDENTIAL must be default, managedIdentity or emulator"],
    [{ ARM_POLL_INTERVAL_MS: "0" }, "ARM_POLL_INTERVAL_MS must be a positive number"],
    [{ ARM_POLL_INTERVAL_MS: "2.5" }, "ARM_POLL_INTERVAL_MS must be an integer"],
    [{ RUNNER_CPU: "lots" }, "RUNNER_CPU must be a positive number"],
    [{ RUNNER_MEMORY_GB: "-1" }, "RUNNER_MEMORY_GB must be a positive number"],
  ])("refuses %j", (settings, message) => {
    expect(() => loadConfig({ ...BASE, ...settings })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, ...settings })).toThrow(message);
  });

  it("never builds the fixed emulator credential for a non-loopback endpoint", async () => {
    expect(() =>
      createArmCredential({ credential: { kind: "emulator" }, endpoint: "https://management.azure.com" }),
    ).toThrow(ConfigError);
    const token = await createArmCredential({
      credential: { kind: "emulator" },
      endpoint: "https://localhost:1234",
    }).getToken("https://management.azure.com/.default");
    expect(token?.token).toBe(EMULATOR_TOKEN);
  });
});

describe("ARM_CA_CERT_FILE", () => {
  let env: ArmTestEnv;
  beforeAll(async () => {
    env = await startArmTestEnv();
  });
  afterAll(() => env.stop());

  it("is what makes the adapters trust the emulator's certificate", async () => {
    const runner = { cpu: 1, memoryInGB: 2 };
    const untrusting = createArmAdapters(
      { arm: { ...env.armConfig, caCertFile: undefined }, runnerContainer: runner },
      { retryOptions: { maxRetries: 0 } },
    );
    await expect(untrusting.resourceGroups.exists("sub", "rg")).rejects.toMatchObject({
      name: "ArmError",
      // The emulator's certificate is signed by the local CA, which only ARM_CA_CERT_FILE trusts.
      message: expect.stringMatching(/unable to verify the first certificate/i),
    });
    const trusting = createArmAdapters({ arm: env.armConfig, runnerContainer: runner });
    await expect(trusting.resourceGroups.exists("sub", "rg")).resolves.toBe(false);
  });

  it("fails clearly when the file cannot be read", () => {
    expect(() =>
      createArmAdapters({
        arm: { ...env.armConfig, caCertFile: "/nonexistent/ca.pem" },
        runnerContainer: { cpu: 1, memoryInGB: 2 },
      }),
    ).toThrow("Cannot read ARM_CA_CERT_FILE /nonexistent/ca.pem");
  });
});
