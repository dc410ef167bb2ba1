/**
 * Runner images written for ADE, end to end: an image in the manner ADE's documents describe
 * (test/fixtures/ade-image: its own entrypoint with ADE's helpers and ade calls, no `ade finished`)
 * deploys, redeploys with its state and deletes through the API; a definition in a .yml manifest with
 * a default outside its allowed values is published with a warning; an image that cannot be pulled
 * fails with the platform's reason. Needs `npm run build`.
 */
import path from "node:path";
import { REPO_ROOT } from "../../../dev/stack";
import { Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";
const IMAGE = "devcenter/ade-style";

const ADE_STYLE = {
  "environment.yml": [
    "name: ade-style",
    `runner: ${IMAGE}:1.0`,
    "templatePath: main.tf",
    "parameters:",
    "  - id: size",
    "    type: string",
    "    default: medium",
    "    allowed: [small, large]",
    "",
  ].join("\n"),
  "main.tf": "# the image's scripts deploy nothing real\n",
};

const UNPULLABLE = {
  "environment.yaml":
    "name: unpullable\nrunner: example.azurecr.io/runners/missing:1.0\ntemplatePath: main.tf\n",
  "main.tf": "# never runs\n",
};

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

const body = (definition: string): Json => ({
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: definition,
});

describe("an image written for ADE (ADE's helpers and ade calls, no finished call)", () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await Stack.start({
      definitions: { "ade-style": ADE_STYLE, unpullable: UNPULLABLE },
      images: { [IMAGE]: path.join(REPO_ROOT, "test/fixtures/ade-image") },
    });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  async function logsOf(environment: string, operation: Json): Promise<string> {
    const reply = await stack.request(
      "GET",
      `${ENVIRONMENTS}/${environment}/operations/${operation.name}/logs`,
      alice,
    );
    expect(reply.status).toBe(200);
    return reply.text;
  }

  it("publishes the .yml definition, warning about its default outside the allowed values", async () => {
    const catalog = await stack.request("GET", "/projects/demo/catalogs/samples", alice);
    expect(catalog.body.definitionErrors).toEqual([]);
    expect(catalog.body.definitionWarnings).toEqual([
      {
        path: "ade-style/environment.yml",
        name: "ade-style",
        message: expect.stringContaining('the default "medium" is not one of the allowed values'),
      },
    ]);
  });

  it("deploys, redeploys with its state and deletes, with every step in the operation's log", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/ade-one`, alice, body("ade-style"));
    expect(created.status).toBe(201);
    const first = await stack.finished(operationLocation(created), alice, 240_000);
    expect(first).toMatchObject({ status: "Succeeded" });
    const outputs = await stack.request("GET", `${ENVIRONMENTS}/ade-one/outputs`, alice);
    expect(outputs.body).toMatchObject({
      outputs: {
        visits: { type: "number", value: 1 },
        tags: { type: "object", value: { size: "medium", group: "demo-ade-one" } },
        history: { type: "array", value: [1] },
      },
    });
    const log = await logsOf("ade-one", first);
    const steps = [
      "[verbose] Starting the deploy of ade-one",
      "[verbose] Checking for ADE CLI updates",
      "[verbose] ADE CLI is up to date",
      "[verbose] Initializing runner",
      "[verbose] Downloading environment state to",
      "[verbose] Executing deploy: ", // executeCommand runs settings.sh through ade execute
      "[log] Settings for deploy of ade-one",
      "[verbose] Settings: state file",
      "[verbose] Executing script (",
      "[log] Deployment 1 of ade-one (deploy, size medium)",
      "[verbose] Uploading environment state from",
      "[verbose] Uploading outputs",
      "[log] Operation completed successfully!",
    ];
    // header's own log line and the lines of ade execute come from two processes: no fixed order.
    expect(log).toContain("[log] >>> Deploying ade-one ...");
    expect(log).toMatch(/\[verbose\] Executing deploy: \S+\/scripts\/deploy\.sh --from-entrypoint ade-one\n/);
    let at = 0;
    for (const step of steps) {
      const found = log.indexOf(step, at);
      if (found < 0) throw new Error(`"${step}" is not in the log after position ${at}:\n${log}`);
      at = found + step.length;
    }

    const again = await stack.request("PUT", `${ENVIRONMENTS}/ade-one`, alice, {
      ...body("ade-style"),
      parameters: { size: "large" },
    });
    const second = await stack.finished(operationLocation(again), alice, 240_000);
    expect(second).toMatchObject({ status: "Succeeded" });
    expect(await logsOf("ade-one", second)).toContain("Deployment 2 of ade-one (deploy, size large)");
    const recount = await stack.request("GET", `${ENVIRONMENTS}/ade-one/outputs`, alice);
    expect(recount.body).toMatchObject({ outputs: { visits: { value: 2 }, history: { value: [1, 2] } } });

    const deleted = await stack.request("DELETE", `${ENVIRONMENTS}/ade-one`, alice);
    expect(deleted.status).toBe(202);
    const gone = await stack.finished(operationLocation(deleted), alice, 240_000);
    expect(gone).toMatchObject({ status: "Succeeded" });
    expect((await stack.request("GET", `${ENVIRONMENTS}/ade-one`, alice)).status).toBe(404);
    expect(stack.arm().containerGroups).toEqual([]);
  }, 300_000);

  it("fails a definition whose image cannot be pulled, with the container's own reason", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/no-image`, alice, body("unpullable"));
    expect(created.status).toBe(201);
    const status = await stack.finished(operationLocation(created), alice, 240_000);
    expect(status).toMatchObject({ status: "Failed", error: { code: "RunnerFailed" } });
    const message = (status.error as Json).message as string;
    expect(message).toContain("ErrImagePull");
    expect(message).toContain('Failed to pull image "example.azurecr.io/runners/missing:1.0"');
    expect(await logsOf("no-image", status)).toContain("ErrImagePull");
  }, 120_000);
});
