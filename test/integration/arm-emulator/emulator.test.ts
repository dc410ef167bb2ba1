import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { ArmTestEnv, startArmTestEnv, waitFor } from "../azure/arm-test-env";

const AUTH = { authorization: "Bearer anything-goes" };
const V = "api-version=2025-04-01";
type Body = {
  error?: { code: string; message: string };
  value?: { name: string; properties: Record<string, unknown> }[];
} & Record<string, unknown>;

describe("ARM emulator protocol", () => {
  let env: ArmTestEnv;
  let images: string;
  const arm = async (method: string, path: string, body?: unknown) => {
    const reply = await env.call(method, path, body, AUTH);
    return { ...reply, body: reply.body as Body };
  };
  beforeAll(async () => {
    images = mkdtempSync(join(tmpdir(), "emulator-images-"));
    mkdirSync(join(images, "lines"));
    writeFileSync(join(images, "lines", "entrypoint.sh"), "for i in 1 2 3 4 5; do echo line $i; done\n");
    mkdirSync(join(images, "sleepy"));
    writeFileSync(join(images, "sleepy", "entrypoint.sh"), "sleep 30\n");
    env = await startArmTestEnv({
      images: { "local/lines": join(images, "lines"), "local/sleepy": join(images, "sleepy") },
      lroDurationMs: 100,
    });
  });
  afterAll(async () => {
    await env.stop();
    rmSync(images, { recursive: true, force: true });
  });

  it("requires a bearer token and an api-version, answering ARM error bodies", async () => {
    const noToken = await env.call("GET", `/subscriptions/s/resourcegroups/rg?${V}`);
    expect(noToken.status).toBe(401);
    expect((noToken.body as Body).error?.code).toBe("AuthenticationFailed");
    const noVersion = await arm("GET", "/subscriptions/s/resourcegroups/rg");
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error?.code).toBe("MissingApiVersionParameter");
    const missing = await arm("GET", `/subscriptions/s/resourcegroups/rg?${V}`);
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: "ResourceGroupNotFound", message: "Resource group 'rg' could not be found." } },
    });
    const unknown = await arm("GET", `/subscriptions/s/providers/Microsoft.Storage/storageAccounts?${V}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("NotSupportedByEmulator");
  });

  it("matches paths case-insensitively and collapses doubled slashes", async () => {
    const put = await arm("PUT", `//subscriptions/S1/RESOURCEGROUPS/Rg-Case/?${V}`, {
      location: "westeurope",
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: "/subscriptions/S1/resourceGroups/Rg-Case", name: "Rg-Case" });
    expect(
      (await arm("PUT", `/subscriptions/s1/resourceGroups/rg-case?${V}`, { location: "westeurope" })).status,
    ).toBe(200);
    const head = await arm("HEAD", `/subscriptions/s1/resourcegroups/RG-CASE?${V}`);
    expect(head).toMatchObject({ status: 204, body: undefined });
    expect((await arm("HEAD", `/subscriptions/s1/resourcegroups/other?${V}`)).status).toBe(404);
    const roles = await arm(
      "GET",
      `//subscriptions/s1/resourceGroups/rg-case/providers/microsoft.authorization/ROLEDEFINITIONS?api-version=2022-04-01&$filter=${encodeURIComponent("roleName eq 'user access administrator'")}`,
    );
    expect(roles.body.value?.map((r) => r.properties.roleName)).toEqual(["User Access Administrator"]);
  });

  it("runs resource group deletion as a Location long-running operation", async () => {
    await arm("PUT", `/subscriptions/s2/resourcegroups/rg-lro?${V}`, { location: "westeurope" });
    const accepted = await arm("DELETE", `/subscriptions/s2/resourcegroups/rg-lro?${V}`);
    expect(accepted.status).toBe(202);
    const location = new URL(String(accepted.headers.location));
    expect(location.origin).toBe(env.emulator.endpoint);
    const poll = () => arm("GET", location.pathname + location.search);
    expect((await poll()).status).toBe(202);
    expect((await arm("GET", `/subscriptions/s2/resourcegroups/rg-lro?${V}`)).body).toMatchObject({
      properties: { provisioningState: "Deleting" },
    });
    await waitFor(poll, (r) => r.status === 200, "the deletion to finish");
    expect((await arm("HEAD", `/subscriptions/s2/resourcegroups/rg-lro?${V}`)).status).toBe(404);
  });

  it("creates container groups with an Azure-AsyncOperation and serves their logs with tail", async () => {
    await arm("PUT", `/subscriptions/s3/resourcegroups/rg-aci?${V}`, { location: "westeurope" });
    const group = (image: string) => ({
      location: "westeurope",
      properties: {
        osType: "Linux",
        restartPolicy: "Never",
        containers: [
          { name: "c1", properties: { image, resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    const base =
      "/subscriptions/s3/resourceGroups/rg-aci/providers/Microsoft.ContainerInstance/containerGroups";
    const created = await arm("PUT", `${base}/cg1?api-version=2023-05-01`, group("local/lines:v1"));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ properties: { provisioningState: "Pending" } });
    const operation = new URL(String(created.headers["azure-asyncoperation"]));
    const status = await waitFor(
      async () => (await arm("GET", operation.pathname + operation.search)).body,
      (b) => b.status !== "InProgress",
      "provisioning",
    );
    expect(status.status).toBe("Succeeded");
    await waitFor(
      async () => (await arm("GET", `${base}/cg1?api-version=2023-05-01`)).body,
      (b) => JSON.stringify(b).includes('"exitCode":0'),
      "the container to finish",
    );
    const logs = await arm("GET", `${base}/cg1/containers/c1/logs?api-version=2023-05-01&tail=2`);
    expect(logs.body).toEqual({ content: "line 4\nline 5\n" });
    const wrong = await arm("GET", `${base}/cg1/containers/c2/logs?api-version=2023-05-01`);
    expect(wrong.body.error?.code).toBe("ContainerNotFound");

    const failed = await arm("PUT", `${base}/cg2?api-version=2023-05-01`, group("nowhere/image:1"));
    const failedOperation = new URL(String(failed.headers["azure-asyncoperation"]));
    const failure = await waitFor(
      async () => (await arm("GET", failedOperation.pathname + failedOperation.search)).body,
      (b) => b.status !== "InProgress",
      "provisioning to fail",
    );
    expect(failure).toMatchObject({ status: "Failed", error: { code: "InaccessibleImage" } });

    expect((await arm("DELETE", `${base}/cg1?api-version=2023-05-01`)).status).toBe(200);
    expect((await arm("DELETE", `${base}/cg1?api-version=2023-05-01`)).status).toBe(204);
  });

  it("filters role assignments like ARM: all related scopes, atScope(), principalId", async () => {
    await arm("PUT", `/subscriptions/s4/resourcegroups/rg-ra?${V}`, { location: "westeurope" });
    const reader =
      "/subscriptions/s4/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7";
    const put = (scope: string, name: string, principalId: string) =>
      arm(
        "PUT",
        `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`,
        {
          properties: { roleDefinitionId: reader, principalId },
        },
      );
    const rg = "/subscriptions/s4/resourceGroups/rg-ra";
    expect((await put("/subscriptions/s4", "00000000-0000-4000-8000-00000000000a", "p1")).status).toBe(201);
    expect((await put(rg, "00000000-0000-4000-8000-00000000000b", "p2")).status).toBe(201);
    expect((await put(`${rg}/providers/x/y/z`, "00000000-0000-4000-8000-00000000000c", "p3")).status).toBe(
      201,
    );
    const duplicate = await put(rg, "00000000-0000-4000-8000-00000000000d", "p2");
    expect(duplicate).toMatchObject({ status: 409, body: { error: { code: "RoleAssignmentExists" } } });
    const badName = await put(rg, "not-a-guid", "p2");
    expect(badName.body.error?.code).toBe("InvalidRoleAssignmentId");

    const list = async (filter?: string) =>
      (
        await arm(
          "GET",
          `${rg}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01${filter ? `&$filter=${encodeURIComponent(filter)}` : ""}`,
        )
      ).body.value?.map((a) => a.name.slice(-1));
    expect(await list()).toEqual(["a", "b", "c"]);
    expect(await list("atScope()")).toEqual(["a", "b"]);
    expect(await list("atScope() and principalId eq 'p2'")).toEqual(["b"]);
    const unsupported = await arm(
      "GET",
      `${rg}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent("assignedTo('p2')")}`,
    );
    expect(unsupported.body.error?.code).toBe("UnsupportedFilter");
  });

  it("injects named failures, 429s with retry hints, and repeats random faults for a seed", async () => {
    await env.setFaults({
      retryAfterMs: 1500,
      failures: [
        { method: "GET", path: "resourcegroups/rg-flaky$", status: 429, code: "TooManyRequests", count: 1 },
      ],
    });
    const first = await arm("GET", `/subscriptions/s5/resourcegroups/rg-flaky?${V}`);
    expect(first.status).toBe(429);
    expect(first.headers).toMatchObject({ "retry-after": "2", "retry-after-ms": "1500" });
    expect((await arm("GET", `/subscriptions/s5/resourcegroups/rg-flaky?${V}`)).status).toBe(404);

    const run = async () => {
      await env.setFaults({ throttleRate: 0.3, errorRate: 0.2, errorStatus: 500, seed: 99 });
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++)
        statuses.push((await arm("HEAD", `/subscriptions/s5/resourcegroups/x?${V}`)).status);
      return statuses;
    };
    const once = await run();
    expect(once).toEqual(await run());
    expect(new Set(once)).toEqual(new Set([404, 429, 500]));

    const invalid = await env.call("PUT", "/_emulator/faults", { throttleRate: 2 });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: "InvalidFaults" } } });
    const typo = await env.call("PUT", "/_emulator/faults", { latency: 5 });
    expect((typo.body as Body).error?.message).toMatch(/^Unknown fault settings: latency/);
    await env.setFaults({});
  });

  it("resets to an empty state, killing running containers", async () => {
    await arm("PUT", `/subscriptions/s6/resourcegroups/rg-reset?${V}`, { location: "westeurope" });
    await arm(
      "PUT",
      `/subscriptions/s6/resourceGroups/rg-reset/providers/Microsoft.ContainerInstance/containerGroups/sleepy?api-version=2023-05-01`,
      {
        location: "westeurope",
        properties: {
          osType: "Linux",
          containers: [
            {
              name: "c",
              properties: {
                image: "local/sleepy",
                resources: { requests: { cpu: 1, memoryInGB: 1 } },
              },
            },
          ],
        },
      },
    );
    const snapshot = await waitFor(
      () => env.state(),
      (s) => s.containerGroups.some((g) => g.name === "sleepy" && g.containers[0].pid !== undefined),
      "the container to run",
    );
    const pid = snapshot.containerGroups.find((g) => g.name === "sleepy")!.containers[0].pid!;
    expect((await env.call("POST", "/_emulator/reset")).status).toBe(204);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await env.state()).toEqual({
      resourceGroups: [],
      roleAssignments: [],
      containerGroups: [],
      resources: [],
      deployments: [],
    });
    expect(JSON.parse(readFileSync(join(env.stateDir, "state.json"), "utf8"))).toEqual({
      resourceGroups: {},
      roleAssignments: {},
      containerGroups: {},
      resources: {},
      deployments: {},
    });
  });
});

describe("ARM emulator CLI", () => {
  let bundle: string;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "arm-cli-"));
    bundle = join(work, "arm-emulator.js");
    await build({
      entryPoints: [join(__dirname, "../../../dev/arm/main.ts")],
      bundle: true,
      platform: "node",
      outfile: bundle,
      logLevel: "silent",
    });
    mkdirSync(join(work, "image"));
    writeFileSync(join(work, "image", "entrypoint.sh"), 'sleep 0.4\necho "done"\nexit 5\n');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function startCli(): Promise<{ child: ChildProcess; endpoint: string; caCertFile: string }> {
    const child = spawn(process.execPath, [bundle], {
      env: {
        ...process.env,
        ARM_EMULATOR_STATE_DIR: join(work, "state"),
        ARM_EMULATOR_IMAGES: JSON.stringify({ "cli/image": join(work, "image") }),
        ARM_EMULATOR_QUIET: "true",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    return new Promise((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const endpoint = /ARM_ENDPOINT=(\S+)/.exec(out)?.[1];
        const caCertFile = /ARM_CA_CERT_FILE=(\S+)/.exec(out)?.[1];
        if (endpoint && caCertFile) resolve({ child, endpoint, caCertFile });
      });
      child.once("exit", (code) => reject(new Error(`CLI exited with ${code}: ${out}`)));
    });
  }

  function call(
    endpoint: string,
    ca: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Body }> {
    return new Promise((resolve, reject) => {
      const req = request(`${endpoint}${path}`, { method, ca: readFileSync(ca), headers: AUTH }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      });
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  it("prints its settings, and after a crash still learns how a running container ended", async () => {
    const first = await startCli();
    const cg =
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/crash?api-version=2023-05-01";
    await call(first.endpoint, first.caCertFile, "PUT", `/subscriptions/s/resourcegroups/rg?${V}`, {
      location: "westeurope",
    });
    await call(first.endpoint, first.caCertFile, "PUT", cg, {
      location: "westeurope",
      properties: {
        osType: "Linux",
        containers: [
          {
            name: "c",
            properties: { image: "cli/image", resources: { requests: { cpu: 1, memoryInGB: 1 } } },
          },
        ],
      },
    });
    await waitFor(
      async () => (await call(first.endpoint, first.caCertFile, "GET", cg)).body,
      (b) => JSON.stringify(b).includes('"state":"Running"'),
      "the container to run",
    );
    const exited = new Promise((r) => first.child.once("exit", r));
    first.child.kill("SIGKILL");
    await exited;

    const second = await startCli();
    try {
      expect(second.caCertFile).toBe(first.caCertFile);
      const finished = await waitFor(
        async () => (await call(second.endpoint, second.caCertFile, "GET", cg)).body,
        (b) => JSON.stringify(b).includes('"state":"Terminated"'),
        "the adopted container to finish",
      );
      expect(JSON.stringify(finished)).toContain('"exitCode":5');
      const logs = await call(
        second.endpoint,
        second.caCertFile,
        "GET",
        cg.replace("?", "/containers/c/logs?"),
      );
      expect(logs.body).toEqual({ content: "done\n" });
    } finally {
      const stopped = new Promise<number | null>((r) => second.child.once("exit", (code) => r(code)));
      second.child.kill("SIGTERM");
      expect(await stopped).toBe(0);
    }
  });
});
