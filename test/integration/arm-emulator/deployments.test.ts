/**
 * Template deployments through the real @azure/arm-resourcesdeployments client (the SDK a runner
 * uses) against the ARM emulator: long-running PUT, GET, operations, outputs, modes and errors.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeploymentsClient } from "@azure/arm-resourcesdeployments";
import { EMULATOR_TOKEN } from "../../../src/azure/credentials";
import { ArmTestEnv, startArmTestEnv, waitFor } from "../azure/arm-test-env";

const SUB = "00000000-0000-0000-0000-0000000000aa";
const AUTH = { authorization: "Bearer anything-goes" };

type Template = Record<string, unknown>;

function storageTemplate(): Template {
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    parameters: {
      prefix: { type: "string", defaultValue: "st" },
      sku: { type: "string", defaultValue: "Standard_LRS", allowedValues: ["Standard_LRS", "Standard_GRS"] },
      count: { type: "int", defaultValue: 2, minValue: 1, maxValue: 5 },
      withQueue: { type: "bool", defaultValue: false },
    },
    variables: { base: "[toLower(concat(parameters('prefix'), uniqueString(resourceGroup().id)))]" },
    resources: [
      {
        type: "Microsoft.Storage/storageAccounts",
        apiVersion: "2023-01-01",
        name: "[format('{0}{1}', variables('base'), copyIndex())]",
        location: "[resourceGroup().location]",
        sku: { name: "[parameters('sku')]" },
        kind: "StorageV2",
        tags: { index: "[string(copyIndex(1))]" },
        properties: { minimumTlsVersion: "TLS1_2" },
        copy: { name: "accounts", count: "[parameters('count')]" },
      },
      {
        condition: "[parameters('withQueue')]",
        type: "Microsoft.Storage/storageAccounts/queueServices",
        apiVersion: "2023-01-01",
        name: "[format('{0}0/default', variables('base'))]",
        dependsOn: ["accounts"],
      },
    ],
    outputs: {
      names: {
        type: "array",
        copy: { count: "[parameters('count')]", input: "[format('{0}{1}', variables('base'), copyIndex())]" },
      },
      firstSku: {
        type: "string",
        value:
          "[reference(resourceId('Microsoft.Storage/storageAccounts', concat(variables('base'), '0')), '2023-01-01', 'Full').sku.name]",
      },
      tls: { type: "string", value: "[reference(concat(variables('base'), '0')).minimumTlsVersion]" },
    },
  };
}

describe("ARM emulator template deployments through the SDK", () => {
  let env: ArmTestEnv;
  let client: DeploymentsClient;
  const put = (group: string) =>
    env.call(
      "PUT",
      `/subscriptions/${SUB}/resourcegroups/${group}?api-version=2025-04-01`,
      { location: "westeurope" },
      AUTH,
    );
  const deploy = (
    group: string,
    name: string,
    template: Template,
    parameters: Record<string, unknown> = {},
    mode: "Incremental" | "Complete" = "Incremental",
  ) =>
    client.deployments.beginCreateOrUpdateAndWait(
      group,
      name,
      {
        properties: {
          mode,
          template,
          parameters: Object.fromEntries(Object.entries(parameters).map(([k, value]) => [k, { value }])),
        },
      },
      { updateIntervalInMs: 20 },
    );
  const resources = async (group: string) =>
    (
      (
        await env.call(
          "GET",
          `/subscriptions/${SUB}/resourceGroups/${group}/resources?api-version=2021-04-01`,
          undefined,
          AUTH,
        )
      ).body as { value: { name: string; type: string }[] }
    ).value;
  const operations = async (group: string, name: string) => {
    const out = [];
    for await (const op of client.deploymentOperations.list(group, name)) out.push(op);
    return out;
  };

  beforeAll(async () => {
    env = await startArmTestEnv({ lroDurationMs: 50 });
    client = new DeploymentsClient(
      { getToken: async () => ({ token: EMULATOR_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }) },
      SUB,
      {
        endpoint: env.emulator.endpoint,
        tlsOptions: { ca: [readFileSync(env.emulator.caCertFile, "utf8")] },
        retryOptions: { maxRetries: 0 },
      },
    );
  });
  afterAll(() => env.stop());

  it("deploys with defaults and a copy loop, records the resources and serves the outputs", async () => {
    await put("rg-copy");
    const result = await deploy("rg-copy", "main", storageTemplate());
    expect(result.properties?.provisioningState).toBe("Succeeded");
    const outputs = result.properties?.outputs as Record<string, { type: string; value: unknown }>;
    const names = outputs.names.value as string[];
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^st[a-z2-7]{13}0$/);
    expect(outputs.firstSku).toEqual({ type: "String", value: "Standard_LRS" });
    expect(outputs.tls.value).toBe("TLS1_2");
    expect((await resources("rg-copy")).map((r) => r.name).sort()).toEqual([...names].sort());
    const got = await client.deployments.get("rg-copy", "main");
    expect(got.properties).toMatchObject({ provisioningState: "Succeeded", mode: "Incremental" });
    expect(got.properties?.parameters).toMatchObject({
      sku: { type: "String", value: "Standard_LRS" },
      count: { value: 2 },
    });
    const ops = await operations("rg-copy", "main");
    expect(ops.map((o) => o.properties?.targetResource?.resourceName).sort()).toEqual([...names].sort());
    expect(ops.every((o) => o.properties?.provisioningState === "Succeeded")).toBe(true);
    const one = await env.call(
      "GET",
      `/subscriptions/${SUB}/resourceGroups/rg-copy/providers/Microsoft.Storage/storageAccounts/${names[1]}?api-version=2099-01-01`,
      undefined,
      AUTH,
    );
    expect(one.body).toMatchObject({
      name: names[1],
      type: "Microsoft.Storage/storageAccounts",
      location: "westeurope",
      tags: { index: "2" },
      sku: { name: "Standard_LRS" },
    });
  });

  it("applies given parameters and refuses a value outside allowedValues at PUT, as ARM's validation", async () => {
    await put("rg-params");
    const result = await deploy("rg-params", "main", storageTemplate(), {
      prefix: "Data",
      sku: "Standard_GRS",
      count: 1,
      withQueue: true,
    });
    expect(result.properties?.outputs).toMatchObject({ firstSku: { value: "Standard_GRS" } });
    expect((await resources("rg-params")).map((r) => r.type).sort()).toEqual([
      "Microsoft.Storage/storageAccounts",
      "Microsoft.Storage/storageAccounts/queueServices",
    ]);
    const refused = await deploy("rg-params", "bad", storageTemplate(), { sku: "Premium_ZRS" }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ statusCode: 400, code: "InvalidTemplate" });
    expect((refused as Error).message).toContain("Premium_ZRS");
    expect((refused as Error).message).toContain("allowed value");
    await expect(client.deployments.get("rg-params", "bad")).rejects.toMatchObject({
      statusCode: 404,
      code: "DeploymentNotFound",
    });
  });

  it("fails a template calling a function it does not evaluate with InvalidTemplate naming it", async () => {
    await put("rg-unsupported");
    const template = {
      ...storageTemplate(),
      outputs: {
        key: {
          type: "string",
          value:
            "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'x'), '2023-01-01').keys[0].value]",
        },
      },
    };
    const error = await deploy("rg-unsupported", "main", template).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 400, code: "InvalidTemplate" });
    expect((error as Error).message).toContain("'listKeys'");
    expect(await resources("rg-unsupported")).toEqual([]);
    const outside = {
      ...storageTemplate(),
      resources: [
        {
          type: "Microsoft.Authorization/roleDefinitions",
          apiVersion: "2022-04-01",
          name: "custom",
          scope: "[subscription().id]",
          properties: {},
        },
      ],
      outputs: {},
    };
    await expect(deploy("rg-unsupported", "outside", outside)).rejects.toThrow(/DeploymentFailed/);
    const [op] = await operations("rg-unsupported", "outside");
    expect(op.properties?.statusMessage?.error).toMatchObject({ code: "UnsupportedScope" });
  });

  it("reports a failing resource as DeploymentFailed with its error in the operations", async () => {
    await put("rg-fault");
    await env.setFaults({
      failures: [
        {
          method: "PUT",
          path: "storageAccounts/[a-z0-9]+1$",
          status: 409,
          code: "StorageAccountAlreadyTaken",
          message: "The storage account named x is already taken.",
          count: 1,
        },
      ],
    });
    const error = await deploy("rg-fault", "main", storageTemplate()).catch((e: unknown) => e);
    expect((await env.call("GET", "/_emulator/faults")).body).toMatchObject({
      injected: { failures: 1 },
      remaining: [0],
    });
    await env.setFaults({});
    expect((error as Error).message).toContain("DeploymentFailed");
    const got = await client.deployments.get("rg-fault", "main");
    expect(got.properties?.provisioningState).toBe("Failed");
    expect(got.properties?.error).toMatchObject({
      code: "DeploymentFailed",
      details: [{ code: "StorageAccountAlreadyTaken" }],
    });
    expect(got.properties?.outputs).toBeUndefined();
    const ops = await operations("rg-fault", "main");
    const failed = ops.filter((o) => o.properties?.provisioningState === "Failed");
    expect(failed).toHaveLength(1);
    expect(failed[0].properties?.targetResource?.resourceName).toMatch(/1$/);
    expect(failed[0].properties?.statusMessage?.error).toMatchObject({
      code: "StorageAccountAlreadyTaken",
      message: "The storage account named x is already taken.",
    });
    expect((await resources("rg-fault")).map((r) => r.name)).toEqual([expect.stringMatching(/0$/)]);
  });

  it("runs nested templates with inner scope and reads their outputs through reference()", async () => {
    await put("rg-nested");
    const inner = {
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      parameters: {
        planName: { type: "string" },
        tier: { type: "string", allowedValues: ["Basic", "Standard"] },
      },
      resources: [
        {
          type: "Microsoft.Web/serverfarms",
          apiVersion: "2022-03-01",
          name: "[parameters('planName')]",
          location: "[resourceGroup().location]",
          sku: { tier: "[parameters('tier')]" },
        },
      ],
      outputs: {
        planId: {
          type: "string",
          value: "[resourceId('Microsoft.Web/serverfarms', parameters('planName'))]",
        },
      },
    };
    const template = {
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      parameters: { tier: { type: "string", defaultValue: "Basic" } },
      resources: [
        {
          type: "Microsoft.Resources/deployments",
          apiVersion: "2022-09-01",
          name: "plan",
          properties: {
            expressionEvaluationOptions: { scope: "inner" },
            mode: "Incremental",
            parameters: { planName: { value: "plan-1" }, tier: { value: "[parameters('tier')]" } },
            template: inner,
          },
        },
        {
          type: "Microsoft.Web/sites",
          apiVersion: "2022-03-01",
          name: "site-1",
          location: "[resourceGroup().location]",
          properties: {
            serverFarmId:
              "[reference(resourceId('Microsoft.Resources/deployments', 'plan'), '2022-09-01').outputs.planId.value]",
          },
        },
      ],
      outputs: { plan: { type: "string", value: "[reference('plan').outputs.planId.value]" } },
    };
    const result = await deploy("rg-nested", "main", template);
    const planId = `/subscriptions/${SUB}/resourceGroups/rg-nested/providers/Microsoft.Web/serverfarms/plan-1`;
    expect(result.properties?.outputs).toEqual({ plan: { type: "String", value: planId } });
    expect(await client.deployments.get("rg-nested", "plan")).toMatchObject({
      properties: { provisioningState: "Succeeded", outputs: { planId: { value: planId } } },
    });
    const site = await env.call(
      "GET",
      `/subscriptions/${SUB}/resourceGroups/rg-nested/providers/Microsoft.Web/sites/site-1?api-version=2022-03-01`,
      undefined,
      AUTH,
    );
    expect(site.body).toMatchObject({ properties: { serverFarmId: planId } });
    // A bad value inside the nested template fails that resource of the parent, as ARM reports it.
    const error = await deploy("rg-nested", "again", template, { tier: "Premium" }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("DeploymentFailed");
    const [op] = (await operations("rg-nested", "again")).filter(
      (o) => o.properties?.provisioningState === "Failed",
    );
    expect(op.properties?.targetResource).toMatchObject({
      resourceType: "Microsoft.Resources/deployments",
      resourceName: "plan",
    });
    expect(op.properties?.statusMessage?.error?.code).toBe("InvalidTemplate");
    expect(op.properties?.statusMessage?.error?.message).toContain("Premium");
  });

  it("removes what a Complete-mode deployment does not name; an empty template empties the group", async () => {
    await put("rg-complete");
    await deploy("rg-complete", "main", storageTemplate(), { count: 3 });
    expect(await resources("rg-complete")).toHaveLength(3);
    await deploy("rg-complete", "main", storageTemplate(), { count: 1 }, "Complete");
    expect(await resources("rg-complete")).toHaveLength(1);
    const empty = {
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      resources: [],
    };
    const result = await deploy("rg-complete", "delete", empty, {}, "Complete");
    expect(result.properties?.provisioningState).toBe("Succeeded");
    expect(await resources("rg-complete")).toEqual([]);
    const ops = await operations("rg-complete", "delete");
    expect(ops.map((o) => o.properties?.provisioningOperation)).toEqual(["Delete"]);
  });

  it("validates without deploying, lists and deletes deployments, and keeps their resources", async () => {
    await put("rg-manage");
    const valid = await client.deployments.validate(
      "rg-manage",
      "check",
      { properties: { mode: "Incremental", template: storageTemplate() } },
      { updateIntervalInMs: 20 },
    );
    expect(valid.error).toBeUndefined();
    expect(valid.properties?.provisioningState).toBe("Succeeded");
    // ARM answers an invalid template 400 with the error; the SDK's poller turns that into a throw.
    const bad = {
      properties: {
        mode: "Incremental" as const,
        template: storageTemplate(),
        parameters: { count: { value: 9 } },
      },
    };
    await expect(
      client.deployments.validate("rg-manage", "check", bad, { updateIntervalInMs: 20 }),
    ).rejects.toThrow();
    const invalid = await env.call(
      "POST",
      `/subscriptions/${SUB}/resourcegroups/rg-manage/providers/Microsoft.Resources/deployments/check/validate?api-version=2025-04-01`,
      bad,
      AUTH,
    );
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: { code: "InvalidTemplate", message: expect.stringContaining("between 1 and 5") } },
    });
    expect(await resources("rg-manage")).toEqual([]);
    await expect(client.deployments.get("rg-manage", "check")).rejects.toMatchObject({ statusCode: 404 });

    await deploy("rg-manage", "main", storageTemplate());
    const names = [];
    for await (const d of client.deployments.listByResourceGroup("rg-manage")) names.push(d.name);
    expect(names).toEqual(["main"]);
    await client.deployments.delete("rg-manage", "main", { updateIntervalInMs: 20 });
    await expect(client.deployments.get("rg-manage", "main")).rejects.toMatchObject({
      statusCode: 404,
      code: "DeploymentNotFound",
    });
    expect(await resources("rg-manage")).toHaveLength(2);
  });

  it("shows a running deployment as Running and refuses a second PUT of it", async () => {
    await put("rg-running");
    const body = { properties: { mode: "Incremental", template: storageTemplate() } };
    const path = `/subscriptions/${SUB}/resourcegroups/rg-running/providers/Microsoft.Resources/deployments/main?api-version=2025-04-01`;
    const accepted = await env.call("PUT", path, body, AUTH);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({
      name: "main",
      properties: { provisioningState: "Accepted", mode: "Incremental" },
    });
    const status = new URL(String(accepted.headers["azure-asyncoperation"]));
    expect(status.origin).toBe(env.emulator.endpoint);
    const again = await env.call("PUT", path, body, AUTH);
    expect(again).toMatchObject({ status: 409, body: { error: { code: "DeploymentActive" } } });
    const done = await waitFor(
      () => env.call("GET", `${status.pathname}${status.search}`, undefined, AUTH),
      (r) => (r.body as { status: string }).status !== "Running",
      "the deployment to finish",
    );
    expect(done.body).toEqual({ status: "Succeeded" });
  });

  it("answers ARM's ResourceNotFound for what was not recorded, and deleting the group removes the records", async () => {
    await put("rg-gone");
    await deploy("rg-gone", "main", storageTemplate(), { count: 1 });
    const missing = await env.call(
      "GET",
      `/subscriptions/${SUB}/resourceGroups/rg-gone/providers/Microsoft.Storage/storageAccounts/nothere?api-version=2023-01-01`,
      undefined,
      AUTH,
    );
    expect(missing).toMatchObject({
      status: 404,
      body: {
        error: {
          code: "ResourceNotFound",
          message:
            "The Resource 'Microsoft.Storage/storageAccounts/nothere' under resource group 'rg-gone' was not found.",
        },
      },
    });
    const collection = await env.call(
      "GET",
      `/subscriptions/${SUB}/resourceGroups/rg-gone/providers/Microsoft.Storage/storageAccounts?api-version=2023-01-01`,
      undefined,
      AUTH,
    );
    expect(collection).toMatchObject({ status: 404, body: { error: { code: "NotSupportedByEmulator" } } });
    const badName = await env.call(
      "PUT",
      `/subscriptions/${SUB}/resourcegroups/rg-gone/providers/Microsoft.Resources/deployments/${"x".repeat(65)}?api-version=2025-04-01`,
      { properties: { mode: "Incremental", template: storageTemplate() } },
      AUTH,
    );
    expect(badName).toMatchObject({ status: 400, body: { error: { code: "InvalidDeploymentName" } } });
    const [account] = await resources("rg-gone");
    const id = `/subscriptions/${SUB}/resourceGroups/rg-gone/providers/Microsoft.Storage/storageAccounts/${account.name}`;
    const group = `/subscriptions/${SUB}/resourcegroups/rg-gone?api-version=2025-04-01`;
    expect((await env.call("DELETE", group, undefined, AUTH)).status).toBe(202);
    await waitFor(
      () => env.call("HEAD", group, undefined, AUTH),
      (r) => r.status === 404,
      "the group deletion",
    );
    const state = await env.state();
    expect(state.resources.filter((r) => r.id.toLowerCase() === id.toLowerCase())).toEqual([]);
    expect(state.deployments.filter((d) => d.resourceGroup === "rg-gone")).toEqual([]);
  });
});

describe("ARM emulator template deployments across a restart", () => {
  it("keeps recorded resources and finished deployments in its state", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "arm-deployments-"));
    try {
      const first = await startArmTestEnv({ stateDir, lroDurationMs: 10 });
      await first.call(
        "PUT",
        `/subscriptions/${SUB}/resourcegroups/rg-keep?api-version=2025-04-01`,
        { location: "westeurope" },
        AUTH,
      );
      const path = `/subscriptions/${SUB}/resourcegroups/rg-keep/providers/Microsoft.Resources/deployments/main?api-version=2025-04-01`;
      await first.call(
        "PUT",
        path,
        {
          properties: {
            mode: "Incremental",
            template: storageTemplate(),
            parameters: { count: { value: 1 } },
          },
        },
        AUTH,
      );
      await waitFor(
        () => first.call("GET", path, undefined, AUTH),
        (r) =>
          (r.body as { properties: { provisioningState: string } }).properties.provisioningState ===
          "Succeeded",
        "the deployment",
      );
      await first.stop();
      const second = await startArmTestEnv({ stateDir });
      try {
        const deployment = await second.call("GET", path, undefined, AUTH);
        expect(deployment.body).toMatchObject({
          properties: { provisioningState: "Succeeded", outputs: { names: { type: "Array" } } },
        });
        const list = await second.call(
          "GET",
          `/subscriptions/${SUB}/resourceGroups/rg-keep/resources?api-version=2021-04-01`,
          undefined,
          AUTH,
        );
        expect((list.body as { value: { type: string }[] }).value).toEqual([
          expect.objectContaining({ type: "Microsoft.Storage/storageAccounts", location: "westeurope" }),
        ]);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
