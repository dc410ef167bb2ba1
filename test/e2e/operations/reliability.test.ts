/**
 * What the reliability review found, end to end (dev host + ARM emulator + real runner): names that
 * differ only in case never share a resource group, and an operation whose orchestration an
 * operator terminated leaves no role, container or working token behind.
 */
import { MAX_PARAMETERS_BYTES } from "../../../src/core/limits";
import { RUNNER_PRINCIPAL, Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";

const HANGING = {
  "environment.yaml": "name: hanging\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho 'waiting forever'\nexec sleep 600\n",
};

/** A definition with a free text parameter, whose script starts programs with the parameters in its environment. */
const TEXT = {
  "environment.yaml":
    "name: text\nrunner: Bicep\ntemplatePath: main.bicep\nparameters:\n  - id: text\n    name: Text\n    type: string\n",
  "main.bicep": "// nothing\n",
  "deploy.sh":
    '#!/bin/bash\nset -e\n/usr/bin/env true\necho "deployed with $(printf %s "$ADE_OPERATION_PARAMETERS" | wc -c) bytes of parameters"\n',
};

/** A body of `megabytes` MiB sent without a Content-Length. */
function chunked(megabytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === megabytes) controller.close();
      else controller.enqueue(new Uint8Array(1024 * 1024));
    },
  });
}

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

function operationIdOf(reply: Reply): string {
  return new URL(operationLocation(reply)).pathname.split("/").pop() as string;
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function runnerLeftovers(stack: Stack, operationId: string): number {
  const arm = stack.arm();
  return (
    arm.roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL).length +
    arm.containerGroups.filter((g) => g.name === `runner-${operationId}`).length
  );
}

describe("reliability (dev host + ARM emulator + real runner)", () => {
  let stack: Stack;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    stack = await Stack.start({ definitions: { hanging: HANGING, text: TEXT } });
    alice = await stack.token("alice");
    bob = await stack.token("bob");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  /** Starts a hanging deploy, waits for its runner, and terminates its orchestration as an operator would. */
  async function terminatedDeploy(name: string): Promise<{ created: Reply; operationId: string }> {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/${name}`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "hanging",
    });
    expect(created.status).toBe(201);
    const operationId = operationIdOf(created);
    await until(
      () => stack.arm().containerGroups.some((g) => g.name === `runner-${operationId}`),
      "the runner's start",
    );
    const instance = `${stack.url}/runtime/webhooks/durabletask/instances/${operationId}`;
    const keyed = { headers: { "x-functions-key": stack.masterKey } };
    const terminated = await fetch(`${instance}/terminate?reason=operator`, { method: "POST", ...keyed });
    expect(terminated.status).toBe(202);
    await until(
      async () => ((await (await fetch(instance, keyed)).json()) as Json).runtimeStatus === "Terminated",
      "the termination",
    );
    // What the terminated orchestration granted and started is still there.
    expect(runnerLeftovers(stack, operationId)).toBeGreaterThan(0);
    return { created, operationId };
  }

  it("refuses a name that differs only in case from another user's environment, with a clear 409", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/CaseEnv`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "counter",
      parameters: { step: 1 },
    });
    expect(created.status).toBe(201);
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Succeeded" });

    const taken = await stack.request("PUT", `${ENVIRONMENTS}/caseenv`, bob, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "counter",
      parameters: { step: 1 },
    });
    expect(taken.status).toBe(409);
    expect(taken.headers.get("x-ms-error-code")).toBe("EnvironmentAlreadyExists");
    expect(taken.body).toMatchObject({ error: { code: "EnvironmentAlreadyExists" } });
    expect((await stack.request("GET", `${ENVIRONMENTS}/caseenv`, bob)).status).toBe(404);
    expect(stack.arm().resourceGroups.filter((g) => g.name.toLowerCase() === "demo-caseenv")).toHaveLength(1);
  });

  it("cancels an operation whose orchestration was terminated: ended at once, cleaned up after", async () => {
    const { created, operationId } = await terminatedDeploy("terminated-one");
    const cancel = await stack.request(
      "POST",
      `${ENVIRONMENTS}/terminated-one/operations/${operationId}:cancel`,
      alice,
    );
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ status: "Canceled", error: { code: "OperationCanceled" } });
    expect((cancel.body.error as Json).message).toContain("no running orchestration");
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Canceled" });
    await until(() => runnerLeftovers(stack, operationId) === 0, "the cleanup");
    const environment = await stack.request("GET", `${ENVIRONMENTS}/terminated-one`, alice);
    expect(environment.body).toMatchObject({ provisioningState: "Canceled" });
  });

  it("ends a terminated operation in the periodic sweep and removes its runner's role and container", async () => {
    const { created, operationId } = await terminatedDeploy("terminated-two");
    expect((await stack.request("POST", "/admin/functions/environmentExpiry", undefined)).status).toBe(202);
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({
      status: "Failed",
      error: { code: "OperationAbandoned" },
    });
    await until(() => runnerLeftovers(stack, operationId) === 0, "the cleanup");
  });

  it("deploys with parameters just under the limit: the runner's script starts programs with them", async () => {
    const text = "x".repeat(MAX_PARAMETERS_BYTES - 100);
    const created = await stack.request("PUT", `${ENVIRONMENTS}/near-limit`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "text",
      parameters: { text },
    });
    expect(created.status).toBe(201);
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Succeeded" });
    const log = await stack.request(
      "GET",
      `${ENVIRONMENTS}/near-limit/operations/${operationIdOf(created)}/logs`,
      alice,
    );
    expect(log.text).toContain(`deployed with ${JSON.stringify({ text }).length} bytes of parameters`);
  });

  it("refuses parameters too large for the runner's environment with a 413 naming the limit", async () => {
    const reply = await stack.request("PUT", `${ENVIRONMENTS}/too-large`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "text",
      parameters: { text: "x".repeat(200 * 1024) },
    });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ error: { code: "ParametersTooLarge", target: "parameters" } });
    expect((reply.body.error as Json).message).toContain("at most 65536");
    expect((await stack.request("GET", `${ENVIRONMENTS}/too-large`, alice)).status).toBe(404);
  });
  it("refuses a request body over the API's limit with a 413 naming it, before looking at the parameters", async () => {
    const reply = await stack.request("PUT", `${ENVIRONMENTS}/body-too-large`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "text",
      parameters: { text: "x".repeat(2 * 1024 * 1024) },
    });
    expect(reply.status).toBe(413);
    expect(reply.headers.get("x-ms-error-code")).toBe("RequestBodyTooLarge");
    expect(reply.body).toMatchObject({ error: { code: "RequestBodyTooLarge" } });
    expect((reply.body.error as Json).message).toContain(`${1024 * 1024} bytes`);
    expect((await stack.request("GET", `${ENVIRONMENTS}/body-too-large`, alice)).status).toBe(404);
  });

  it("answers a body over the host's 100 MB with a 413 naming the limit, not a reset connection", async () => {
    const url = `${stack.url}${ENVIRONMENTS}/huge-body?api-version=2026-01-01-preview`;
    for (const body of [Buffer.alloc(110 * 1024 * 1024), chunked(110)]) {
      const reply = await fetch(url, {
        method: "PUT",
        headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit);
      expect(reply.status).toBe(413);
      expect(reply.headers.get("x-ms-error-code")).toBe("RequestBodyTooLarge");
      expect(((await reply.json()) as { error: Json }).error.message).toContain(`${100 * 1024 * 1024} bytes`);
    }
  });
});
