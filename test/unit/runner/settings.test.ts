import { ConfigError, loadConfig } from "../../../src/config";
import { runnerContainerVariables, runnerEndpoint } from "../../../src/runner-protocol/variables";

const base = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };

describe("runner settings", () => {
  it("default to the local host, a 1 GiB cap and the log pump defaults", () => {
    expect(loadConfig(base).runnerApi).toEqual({
      endpoint: "http://127.0.0.1:7071",
      environmentStorageCapBytes: 1024 ** 3,
      logBatchBytes: 4 * 1024 * 1024,
      logIntervalMs: 1000,
      logRetryMs: 120000,
      enableCustomDeploy: true,
    });
  });

  it("use the app's public host name in Azure", () => {
    expect(loadConfig({ ...base, WEBSITE_HOSTNAME: "devcenter.azurewebsites.net" }).runnerApi.endpoint).toBe(
      "https://devcenter.azurewebsites.net",
    );
  });

  it("are read from their variables", () => {
    const config = loadConfig({
      ...base,
      RUNNER_API_ENDPOINT: "https://runner.example.com/",
      RUNNER_ENVIRONMENT_STORAGE_CAP_BYTES: "1000",
      RUNNER_LOG_BATCH_BYTES: "4096",
      RUNNER_LOG_INTERVAL_MS: "250",
      RUNNER_LOG_RETRY_MS: "5000",
      RUNNER_ENABLE_CUSTOM_DEPLOY: "false",
    }).runnerApi;
    expect(config).toEqual({
      endpoint: "https://runner.example.com",
      environmentStorageCapBytes: 1000,
      logBatchBytes: 4096,
      logIntervalMs: 250,
      logRetryMs: 5000,
      enableCustomDeploy: false,
    });
    expect(runnerContainerVariables(config)).toEqual({
      ADE_LOG_BATCH_BYTES: "4096",
      ADE_LOG_INTERVAL_MS: "250",
      ADE_LOG_RETRY_MS: "5000",
      ADE_ENABLE_CUSTOM_DEPLOY: "false",
    });
    expect(runnerEndpoint(config.endpoint, "demo")).toBe("https://runner.example.com/runner/projects/demo");
  });

  it.each([
    ["RUNNER_API_ENDPOINT", "ftp://x"],
    ["RUNNER_ENVIRONMENT_STORAGE_CAP_BYTES", "1.5"],
    ["RUNNER_LOG_BATCH_BYTES", String(4 * 1024 * 1024 + 1)],
    ["RUNNER_LOG_INTERVAL_MS", "0"],
    ["RUNNER_ENABLE_CUSTOM_DEPLOY", "yes"],
  ])("refuse %s=%s", (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });
});
