/**
 * The Terraform runner image end to end: the dev host, Azurite, the ARM emulator running
 * runner/images/terraform (Core's entrypoint.sh, the ade CLI, deploy.sh/delete.sh) with the real
 * terraform on PATH, and the samples/catalog/terraform-basics definition (built-in resources only,
 * so no provider is downloaded). Also: a runner alias that RUNNER_IMAGES does not map. Needs
 * `npm run build`.
 */
import { unzipSync } from "fflate";
import { createStorageAdapters } from "../../../src/azure/storage";
import { CONTAINERS, environmentFilePrefix } from "../../../src/storage/records";
import { Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";

/** A definition naming a runner alias nothing maps. */
const UNMAPPED = {
  "environment.yaml": "name: unmapped\nrunner: pulumi\ntemplatePath: main.ts\n",
  "main.ts": "// never run\n",
};

interface TerraformState {
  serial: number;
  resources: {
    type: string;
    name: string;
    instances: { index_key?: number; attributes: { id: string } }[];
  }[];
}

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

function body(parameters: Json): Json {
  return {
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "terraform-basics",
    parameters,
  };
}

/** Resource address → id, from the state the runner saved as the environment's storage.zip. */
function resourceIds(state: TerraformState): Record<string, string> {
  return Object.fromEntries(
    state.resources.flatMap((r) =>
      r.instances.map((i) => [
        `${r.type}.${r.name}${i.index_key === undefined ? "" : `[${i.index_key}]`}`,
        i.attributes.id,
      ]),
    ),
  );
}

describe("Terraform runner image (dev host + ARM emulator + real terraform)", () => {
  let stack: Stack;
  let alice: string;

  async function savedState(environment: string): Promise<TerraformState> {
    const storage = createStorageAdapters(stack.services.azurite.connectionString);
    const zip = await storage.blobs.get(
      CONTAINERS.environments,
      `${environmentFilePrefix("demo", environment)}storage.zip`,
    );
    if (!zip) throw new Error(`environment ${environment} has no storage.zip`);
    const files = unzipSync(new Uint8Array(zip));
    return JSON.parse(Buffer.from(files["environment.tfstate"]).toString("utf8")) as TerraformState;
  }

  async function logsOf(environment: string, operation: Json): Promise<string> {
    return (
      await stack.request("GET", `${ENVIRONMENTS}/${environment}/operations/${operation.name}/logs`, alice)
    ).text;
  }

  beforeAll(async () => {
    stack = await Stack.start({ samples: ["terraform-basics"], definitions: { unmapped: UNMAPPED } });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  it("deploys, redeploys in place with the saved state, serves typed outputs and destroys on delete", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/tf-one`, alice, body({ greeting: "hello" }));
    expect(created.status).toBe(201);
    const first = await stack.finished(operationLocation(created), alice, 120_000);
    expect(first).toMatchObject({ status: "Succeeded" });
    const firstLog = await logsOf("tf-one", first);
    expect(firstLog).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");

    const outputs = (await stack.request("GET", `${ENVIRONMENTS}/tf-one/outputs`, alice)).body
      .outputs as Json;
    expect(outputs).toMatchObject({
      greeting: { type: "string", value: "hello" },
      replica_count: { type: "number", value: 2 },
      all_replicas: { type: "boolean", value: true },
      replica_names: { type: "array", value: ["hello-0", "hello-1"] },
      labels: { type: "array", value: ["demo"] },
      placement: { type: "object", value: { environment: "tf-one", resource_group: "demo-tf-one" } },
      settings: { type: "object", value: { greeting: "hello", replicas: 2 } },
      access_key: { type: "string", sensitive: true },
    });
    const state = await savedState("tf-one");
    const ids = resourceIds(state);
    expect(Object.keys(ids).sort()).toEqual([
      "terraform_data.config",
      "terraform_data.replica[0]",
      "terraform_data.replica[1]",
    ]);
    expect((outputs.config_id as Json).value).toBe(ids["terraform_data.config"]);

    const again = await stack.request(
      "PUT",
      `${ENVIRONMENTS}/tf-one`,
      alice,
      body({ greeting: "hi", replicas: 3 }),
    );
    expect(again.status).toBe(201);
    const second = await stack.finished(operationLocation(again), alice, 120_000);
    expect(second).toMatchObject({ status: "Succeeded" });
    expect(await logsOf("tf-one", second)).toContain(
      "Apply complete! Resources: 1 added, 3 changed, 0 destroyed.",
    );
    const redeployed = await savedState("tf-one");
    expect(redeployed.serial).toBeGreaterThan(state.serial);
    // Updated in place: the resources the first deploy made keep their ids.
    expect(resourceIds(redeployed)).toMatchObject(ids);
    expect(Object.keys(resourceIds(redeployed))).toHaveLength(4);
    const updated = (await stack.request("GET", `${ENVIRONMENTS}/tf-one/outputs`, alice)).body
      .outputs as Json;
    expect(updated).toMatchObject({
      greeting: { value: "hi" },
      replica_names: { value: ["hi-0", "hi-1", "hi-2"] },
      config_id: { value: ids["terraform_data.config"] },
    });

    const deleted = await stack.request("DELETE", `${ENVIRONMENTS}/tf-one`, alice);
    expect(deleted.status).toBe(202);
    const removal = await stack.finished(operationLocation(deleted), alice, 120_000);
    expect(removal).toMatchObject({ status: "Succeeded" });
    expect(await logsOf("tf-one", removal)).toContain("Resources: 0 added, 0 changed, 4 destroyed.");
    expect((await stack.request("GET", `${ENVIRONMENTS}/tf-one`, alice)).status).toBe(404);
    expect(stack.arm().resourceGroups.map((g) => g.name)).not.toContain("demo-tf-one");
  }, 360_000);

  it("fails a deploy whose runner alias has no image, naming the alias and RUNNER_IMAGES", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/no-runner`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "unmapped",
    });
    expect(created.status).toBe(201);
    const status = await stack.finished(operationLocation(created), alice);
    expect(status).toMatchObject({ status: "Failed", error: { code: "RunnerImageNotFound" } });
    const message = (status.error as Json).message as string;
    expect(message).toContain("runner pulumi has no image");
    expect(message).toContain("RUNNER_IMAGES maps ARM, Bicep, Terraform");
    // Nothing ran: no runner container was ever created for it.
    const operationId = new URL(operationLocation(created)).pathname.split("/").pop();
    expect(stack.arm().containerGroups.map((g) => g.name)).not.toContain(`runner-${operationId}`);
  });
});
