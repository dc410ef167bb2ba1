/**
 * The ARM/Bicep runner image end to end: the dev host, Azurite and the ARM emulator running
 * runner/images/arm-bicep (Core's entrypoint.sh, the ade CLI and arm-deploy on the Azure SDK), which
 * deploys the samples' templates to the emulator's template deployments. Needs `npm run build`.
 */
import { Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";
const SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/** A template whose storage account name uses a parameter it does not declare. */
const BROKEN = {
  "environment.yaml": "name: arm-broken\nrunner: ARM\ntemplatePath: azuredeploy.json\n",
  "azuredeploy.json": JSON.stringify({
    $schema: SCHEMA,
    contentVersion: "1.0.0.0",
    resources: [
      {
        type: "Microsoft.Storage/storageAccounts",
        apiVersion: "2023-05-01",
        name: "[parameters('undeclared')]",
        location: "westeurope",
        sku: { name: "Standard_LRS" },
        kind: "StorageV2",
      },
    ],
  }),
};

/** A linked template (by relativePath) whose resource ARM refuses (the emulator's named fault). */
const LINKED_FAILING = {
  "environment.yaml": "name: arm-linked-failing\nrunner: ARM\ntemplatePath: main.json\n",
  "main.json": JSON.stringify({
    $schema: SCHEMA,
    contentVersion: "1.0.0.0",
    resources: [
      {
        type: "Microsoft.Resources/deployments",
        apiVersion: "2022-09-01",
        name: "inner",
        properties: { mode: "Incremental", templateLink: { relativePath: "parts/vault.json" } },
      },
    ],
  }),
  "parts/vault.json": JSON.stringify({
    $schema: SCHEMA,
    contentVersion: "1.0.0.0",
    resources: [
      {
        type: "Microsoft.KeyVault/vaults",
        apiVersion: "2023-07-01",
        name: "refusedvault",
        location: "westeurope",
        properties: { tenantId: "[subscription().tenantId]", sku: { family: "A", name: "standard" } },
      },
    ],
  }),
};

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

function body(definition: string, parameters: Json = {}): Json {
  return {
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: definition,
    parameters,
  };
}

describe("ARM/Bicep runner image (dev host + ARM emulator deployments)", () => {
  let stack: Stack;
  let alice: string;

  /** Resources the emulator recorded in an environment's group: type/name → resource. */
  function recorded(environment: string): Map<string, Json> {
    const group = `/resourceGroups/demo-${environment}/`.toLowerCase();
    return new Map(
      stack
        .arm()
        .resources.filter((r) => r.id.toLowerCase().includes(group))
        .map((r) => [`${r.type}/${r.name}`, r as unknown as Json]),
    );
  }

  async function run(
    method: "PUT" | "DELETE",
    environment: string,
    request?: Json,
  ): Promise<{ status: Json; log: string }> {
    const reply = await stack.request(method, `${ENVIRONMENTS}/${environment}`, alice, request);
    expect([201, 202]).toContain(reply.status);
    const status = await stack.finished(operationLocation(reply), alice, 120_000);
    const log = await stack.request(
      "GET",
      `${ENVIRONMENTS}/${environment}/operations/${status.name}/logs`,
      alice,
    );
    return { status, log: log.text };
  }

  async function outputsOf(environment: string): Promise<Json> {
    return (await stack.request("GET", `${ENVIRONMENTS}/${environment}/outputs`, alice)).body.outputs as Json;
  }

  beforeAll(async () => {
    stack = await Stack.start({
      samples: ["arm-storage", "arm-linked"],
      definitions: { "arm-broken": BROKEN, "arm-linked-failing": LINKED_FAILING },
    });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  it("deploys arm-storage with its defaults, redeploys with new parameters and deletes its resources", async () => {
    const first = await run("PUT", "arm-one", body("arm-storage"));
    expect(first.status).toMatchObject({ status: "Succeeded" });
    expect(first.log).toMatch(/Microsoft\.Storage\/storageAccounts 'adesample\w+': Create Succeeded/);
    const outputs = await outputsOf("arm-one");
    const account = (outputs.storageAccountName as Json).value as string;
    expect(account).toMatch(/^adesample[a-z0-9]{13}$/);
    expect(outputs).toMatchObject({
      storageAccountId: {
        type: "String",
        value: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-arm-one/providers/Microsoft.Storage/storageAccounts/${account}`,
      },
      containerCount: { type: "Int", value: 2 },
      tags: { type: "Object", value: { "ade-sample": "arm-storage", sku: "Standard_LRS" } },
    });
    const containers = "Microsoft.Storage/storageAccounts/blobServices/containers";
    expect([...recorded("arm-one").keys()].sort()).toEqual(
      [
        `${containers}/${account}/default/data0`,
        `${containers}/${account}/default/data1`,
        `Microsoft.Storage/storageAccounts/${account}`,
      ].sort(),
    );
    expect(recorded("arm-one").get(`Microsoft.Storage/storageAccounts/${account}`)).toMatchObject({
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
      tags: { "ade-sample": "arm-storage" },
    });

    // A value outside the manifest's allowed values never reaches a runner.
    const refused = await stack.request(
      "PUT",
      `${ENVIRONMENTS}/arm-one`,
      alice,
      body("arm-storage", { sku: "Premium_LRS" }),
    );
    expect(refused.status).toBe(400);

    const second = await run(
      "PUT",
      "arm-one",
      body("arm-storage", { sku: "Standard_GRS", containerCount: 3 }),
    );
    expect(second.status).toMatchObject({ status: "Succeeded" });
    expect(await outputsOf("arm-one")).toMatchObject({
      storageAccountName: { value: account },
      containerCount: { value: 3 },
      tags: { value: { sku: "Standard_GRS" } },
    });
    expect(recorded("arm-one").size).toBe(4);
    expect(recorded("arm-one").get(`Microsoft.Storage/storageAccounts/${account}`)).toMatchObject({
      sku: { name: "Standard_GRS" },
    });

    const removal = await run("DELETE", "arm-one");
    expect(removal.status).toMatchObject({ status: "Succeeded" });
    // The runner's Complete-mode deployment removed them before the control plane deleted the group.
    expect(removal.log).toContain(`Microsoft.Storage/storageAccounts '${account}': Delete Succeeded`);
    expect(removal.log).toContain("Resource group demo-arm-one emptied");
    expect(recorded("arm-one").size).toBe(0);
    expect(stack.arm().resourceGroups.map((g) => g.name)).not.toContain("demo-arm-one");
  }, 360_000);

  it("deploys the linked-template definition, redeploys it and deletes it", async () => {
    const first = await run("PUT", "linked-one", body("arm-linked"));
    expect(first.status).toMatchObject({ status: "Succeeded" });
    expect(await outputsOf("linked-one")).toMatchObject({
      vnetId: {
        type: "String",
        value:
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-linked-one/providers/Microsoft.Network/virtualNetworks/ade-vnet",
      },
      subnetNames: { type: "Array", value: ["subnet0", "subnet1"] },
    });
    const vnet = recorded("linked-one").get("Microsoft.Network/virtualNetworks/ade-vnet");
    const nsgId =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-linked-one/providers/Microsoft.Network/networkSecurityGroups/ade-vnet-nsg";
    expect(vnet).toMatchObject({
      properties: {
        subnets: [
          {
            name: "subnet0",
            properties: { addressPrefix: "10.0.0.0/24", networkSecurityGroup: { id: nsgId } },
          },
          { name: "subnet1", properties: { addressPrefix: "10.0.1.0/24" } },
        ],
      },
    });
    expect(recorded("linked-one").has("Microsoft.Network/networkSecurityGroups/ade-vnet-nsg")).toBe(true);

    const second = await run("PUT", "linked-one", body("arm-linked", { subnetCount: 3 }));
    expect(second.status).toMatchObject({ status: "Succeeded" });
    expect(await outputsOf("linked-one")).toMatchObject({
      subnetNames: { value: ["subnet0", "subnet1", "subnet2"] },
    });
    const subnets = (
      recorded("linked-one").get("Microsoft.Network/virtualNetworks/ade-vnet")?.properties as Json
    ).subnets;
    expect(subnets).toHaveLength(3);

    const removal = await run("DELETE", "linked-one");
    expect(removal.status).toMatchObject({ status: "Succeeded" });
    expect(removal.log).toContain("Microsoft.Network/virtualNetworks 'ade-vnet': Delete Succeeded");
    expect(recorded("linked-one").size).toBe(0);
  }, 360_000);

  it("fails a template with an error with ARM's code, and a resource ARM refuses with that resource", async () => {
    const invalid = await run("PUT", "broken-one", body("arm-broken"));
    expect(invalid.status).toMatchObject({ status: "Failed", error: { code: "DeploymentError" } });
    const message = (invalid.status.error as Json).message as string;
    expect(message).toContain("failed: InvalidTemplate:");
    expect(message).toContain("undeclared");
    expect(recorded("broken-one").size).toBe(0);

    stack.setFaults({
      failures: [
        {
          method: "PUT",
          path: "/providers/Microsoft.Storage/storageAccounts/adesample[a-z0-9]+$",
          status: 409,
          code: "StorageAccountAlreadyTaken",
          count: 1,
        },
      ],
    });
    try {
      const refused = await run("PUT", "taken-one", body("arm-storage", { containerCount: 1 }));
      expect(refused.status).toMatchObject({ status: "Failed", error: { code: "DeploymentError" } });
      const text = (refused.status.error as Json).message as string;
      expect(text).toContain("DeploymentFailed");
      expect(text).toMatch(
        /Microsoft\.Storage\/storageAccounts 'adesample[a-z0-9]+': StorageAccountAlreadyTaken/,
      );
      expect(refused.log).toMatch(/Microsoft\.Storage\/storageAccounts 'adesample[a-z0-9]+': Create Failed/);
    } finally {
      stack.setFaults({});
    }
  }, 180_000);

  it("fails a linked template whose resource ARM refuses, naming that resource and ARM's code", async () => {
    stack.setFaults({
      failures: [
        {
          method: "PUT",
          path: "/providers/Microsoft.KeyVault/vaults/refusedvault",
          status: 409,
          code: "VaultAlreadyExists",
          count: 1,
        },
      ],
    });
    try {
      const { status } = await run("PUT", "linked-broken", body("arm-linked-failing"));
      expect(status).toMatchObject({ status: "Failed", error: { code: "DeploymentError" } });
      const message = (status.error as Json).message as string;
      expect(message).toContain("DeploymentFailed");
      expect(message).toContain("Microsoft.KeyVault/vaults 'refusedvault': VaultAlreadyExists");
    } finally {
      stack.setFaults({});
    }
  }, 180_000);
});
