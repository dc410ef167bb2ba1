/**
 * A cleanup that keeps failing, seen from outside (dev host + ARM emulator + real runner): the ARM
 * emulator refuses to delete role assignments, the operation's status says it is cleaning up, what
 * fails, how often and when it is tried next, and `npm run operations -- stuck` lists it; once ARM
 * lets go, the operation ends and the list is empty. An abandoned operation whose cleanup runs
 * out of retries stays on the list until an operator dismisses it.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../../dev/stack";
import type { OperationFailure } from "../../../dev/arm";
import { RUNNER_PRINCIPAL, Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";
const CLI = path.join(REPO_ROOT, "dist", "src", "operator", "main.js");

const HANGING = {
  "environment.yaml": "name: hanging\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho 'waiting forever'\nexec sleep 600\n",
};

const NO_REVOKE: OperationFailure = {
  method: "DELETE",
  path: "/providers/Microsoft\\.Authorization/roleAssignments/",
  status: 403,
  code: "AuthorizationFailed",
  message: "The client has no authorization to delete role assignments.",
};

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("a cleanup that keeps failing (dev host + ARM emulator + real runner)", () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await Stack.start({
      definitions: { hanging: HANGING },
      // Quick retries, and enough of them that the first operation is still retrying when looked at.
      settings: {
        ACTIVITY_RETRY_FIRST_SECONDS: "1",
        ACTIVITY_RETRY_MAX_SECONDS: "2",
        CLEANUP_MAX_ATTEMPTS: "20",
      },
    });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());
  afterEach(() => stack.setFaults({}));

  async function cli(...args: string[]): Promise<CliRun> {
    const env = { ...process.env, DEVCENTER_STORAGE: stack.services.azurite.connectionString };
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout: string; stderr: string };
      return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  const stuck = (...args: string[]) => cli("stuck", ...args);

  async function stuckIds(): Promise<string[]> {
    const run = await stuck("--attempts", "2", "--json");
    if (run.code !== 0 && run.code !== 1) throw new Error(`stuck: ${run.code} ${run.stderr}`);
    return (JSON.parse(run.stdout) as { operationId: string }[]).map((s) => s.operationId);
  }

  it("shows the failing cleanup in the operation's status and the stuck list, until it succeeds", async () => {
    stack.setFaults({ failures: [NO_REVOKE] });
    const created = await stack.request("PUT", `${ENVIRONMENTS}/revoke-refused`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "counter",
      parameters: { step: 1 },
    });
    expect(created.status).toBe(201);
    const location = new URL(operationLocation(created));
    const operationId = location.pathname.split("/").pop() as string;

    const retrying = await stack.until(
      "GET",
      location.pathname + location.search,
      alice,
      (r) =>
        (((r.body.properties as Json | undefined)?.cleanup as Json | undefined)?.attempts as number) >= 2,
      120_000,
      200,
    );
    expect(retrying.body).toMatchObject({
      status: "Running",
      properties: {
        step: "CleaningUp",
        cleanup: {
          activity: "revokeRole",
          lastError: {
            code: "AuthorizationFailed",
            message: expect.stringContaining("delete role assignments"),
          },
        },
      },
    });
    expect(retrying.body.error).toBeUndefined();
    const cleanup = (retrying.body.properties as Json).cleanup as Json;
    expect(Date.parse(cleanup.nextRetryAt as string)).toBeGreaterThanOrEqual(
      Date.parse(cleanup.since as string),
    );

    const listed = await stuck("--attempts", "2");
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain(`demo/revoke-refused deploy ${operationId} Running`);
    expect(listed.stdout).toContain("CleanupFailing: cleaning up for");
    expect(listed.stdout).toContain("revokeRole failed");
    // Below the threshold it is not stuck yet.
    expect(await stuck("--attempts", "1000")).toMatchObject({ code: 0, stdout: "No operation is stuck.\n" });

    stack.setFaults({});
    expect(await stack.finished(location.href, alice, 60_000)).toMatchObject({ status: "Succeeded" });
    expect(stack.arm().roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL)).toEqual([]);
    expect(await stuckIds()).toEqual([]);
  }, 240_000);

  it("keeps an abandoned operation whose cleanup ran out of retries on the stuck list", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/abandoned-stuck`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "hanging",
    });
    expect(created.status).toBe(201);
    const location = new URL(operationLocation(created));
    const operationId = location.pathname.split("/").pop() as string;
    await until(
      async () => stack.arm().containerGroups.some((g) => g.name === `runner-${operationId}`),
      "the runner's start",
    );
    // An operator terminates the orchestration; the sweep ends the operation and starts its cleanup.
    stack.setFaults({ failures: [NO_REVOKE] });
    const instance = `${stack.url}/runtime/webhooks/durabletask/instances/${operationId}`;
    const keyed = { headers: { "x-functions-key": stack.masterKey } };
    expect((await fetch(`${instance}/terminate?reason=operator`, { method: "POST", ...keyed })).status).toBe(
      202,
    );
    await until(
      async () => ((await (await fetch(instance, keyed)).json()) as Json).runtimeStatus === "Terminated",
      "the termination",
    );
    expect((await stack.request("POST", "/admin/functions/environmentExpiry", undefined)).status).toBe(202);
    expect(await stack.finished(location.href, alice)).toMatchObject({
      status: "Failed",
      error: { code: "OperationAbandoned" },
    });

    // The operation has ended, its cleanup goes on failing until it gives up; it is listed throughout.
    await until(async () => (await stuckIds()).includes(operationId), "the listing of the failing cleanup");
    await until(async () => {
      const run = await stuck("--json");
      const found = (JSON.parse(run.stdout) as { operationId: string; reason: string }[]).find(
        (s) => s.operationId === operationId,
      );
      return found?.reason === "CleanupOutOfRetries";
    }, "the cleanup's end");
    const run = await stuck();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`demo/abandoned-stuck deploy ${operationId} Failed`);
    expect(run.stdout).toContain("the operation ended, its cleanup gave up: revokeRole failed 19 times");
    const left = stack.arm().roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL);
    expect(left).toHaveLength(1);

    // The operator says they removed what is left (dismiss takes their word); it leaves the list.
    expect(await cli("dismiss", "demo", operationId)).toMatchObject({ code: 0 });
    expect(await stuckIds()).toEqual([]);
    expect(await cli("dismiss", "demo", operationId)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("has no cleanup going on"),
    });
  }, 240_000);
});
