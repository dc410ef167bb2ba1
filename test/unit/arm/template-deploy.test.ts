/** Running templates against an in-memory host: parameters, ordering, loops, conditions, nesting, secrets. */
import { TemplateRun } from "../../../dev/arm/template/deploy";
import {
  ArmErrorBody,
  DeploymentOutcome,
  GroupInfo,
  RecordedResource,
} from "../../../dev/arm/template/model";
import { reportedParameters } from "../../../dev/arm/template/report";

const SUB = "sub-1";
const GROUPS: Record<string, GroupInfo> = {
  "rg-1": {
    id: `/subscriptions/${SUB}/resourceGroups/rg-1`,
    name: "rg-1",
    location: "westeurope",
    tags: { team: "a" },
  },
  "rg-2": { id: `/subscriptions/${SUB}/resourceGroups/rg-2`, name: "rg-2", location: "eastus", tags: {} },
};
const PREFIX = `/subscriptions/${SUB}/resourceGroups/rg-1/providers`;

type T = Record<string, unknown>;

function template(body: T): T {
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    ...body,
  };
}

function setup(failing: Record<string, ArmErrorBody> = {}) {
  const recorded = new Map<string, RecordedResource>();
  const written: string[] = [];
  const host = {
    resourceGroup: (_: string, name: string) => GROUPS[name],
    existing: (id: string) => recorded.get(id.toLowerCase()),
    provision: (r: RecordedResource) => {
      written.push(r.name);
      const failure = Object.entries(failing).find(([name]) => r.name === name)?.[1];
      if (failure) return failure;
      recorded.set(r.id.toLowerCase(), r);
      return undefined;
    },
  };
  const prepare = (t: T, parameters: Record<string, unknown> = {}) =>
    new TemplateRun(
      {
        template: t,
        parameters: Object.fromEntries(Object.entries(parameters).map(([k, value]) => [k, { value }])),
        target: {
          subscriptionId: SUB,
          tenantId: "tenant",
          resourceGroup: GROUPS["rg-1"],
          deploymentName: "main",
        },
      },
      host,
    );
  const run = (t: T, parameters?: Record<string, unknown>): DeploymentOutcome => prepare(t, parameters).run();
  return { recorded, written, prepare, run };
}

const site = (name: string, extra: T = {}): T => ({
  type: "Microsoft.Web/sites",
  apiVersion: "2022-03-01",
  name,
  location: "westeurope",
  ...extra,
});

describe("template parameters at validation", () => {
  const t = template({
    parameters: {
      name: { type: "string", minLength: 2, maxLength: 5 },
      size: { type: "int", defaultValue: 2, minValue: 1, maxValue: 4 },
      tier: {
        type: "string",
        defaultValue: "[if(greater(parameters('size'), 2), 'big', 'small')]",
        allowedValues: ["big", "small"],
      },
      zones: { type: "array", defaultValue: [], allowedValues: ["1", "2", "3"] },
      password: { type: "securestring", allowedValues: ["s3cret-a", "s3cret-b"] },
      options: { type: "object", defaultValue: { a: 1 } },
      enabled: { type: "bool", defaultValue: true },
    },
    resources: [],
  });
  const ok = { name: "abc", password: "s3cret-a" };

  it("binds supplied values and defaults (defaults may use other parameters)", () => {
    const run = setup().prepare(t, { ...ok, size: 3, zones: ["1", "3"] });
    expect(run.bound.values).toEqual({
      name: "abc",
      size: 3,
      tier: "big",
      zones: ["1", "3"],
      password: "s3cret-a",
      options: { a: 1 },
      enabled: true,
    });
    expect(reportedParameters(run.bound)).toMatchObject({
      name: { type: "String", value: "abc" },
      password: { type: "SecureString" },
      options: { type: "Object" },
    });
    expect(reportedParameters(run.bound).password).not.toHaveProperty("value");
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a missing value", { password: "s3cret-a" }, /template parameter 'name' is not provided/],
    ["a wrong type", { ...ok, size: "3" }, /'size' has a value of type 'String'; the template expects 'int'/],
    ["a value too large", { ...ok, size: 9 }, /between 1 and 4/],
    ["a string too short", { ...ok, name: "a" }, /length must be between 2 and 5/],
    [
      "a value not allowed",
      { ...ok, tier: "huge" },
      /'huge' for the template parameter 'tier' is not valid. The value is not part of the allowed value\(s\): 'big,small'/,
    ],
    ["an array item not allowed", { ...ok, zones: ["4"] }, /not part of the allowed value/],
    ["an unknown parameter", { ...ok, extra: 1 }, /template parameters 'extra' are not valid/],
  ])("refuses %s with InvalidTemplate", (_, parameters, message) => {
    expect(() => setup().prepare(t, parameters)).toThrow(message);
  });

  it("never puts a secure value in a message", () => {
    let message = "";
    try {
      setup().prepare(t, { name: "abc", password: "hunter22" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/secure template parameter 'password'/);
    expect(message).not.toContain("hunter22");
  });

  it("refuses Key Vault references, linked templates and unknown functions before deploying", () => {
    const { prepare } = setup();
    const kv = template({ parameters: { p: { type: "string" } }, resources: [] });
    expect(
      () =>
        new TemplateRun(
          {
            template: kv,
            parameters: { p: { reference: { keyVault: { id: "x" }, secretName: "s" } } },
            target: {
              subscriptionId: SUB,
              tenantId: "t",
              resourceGroup: GROUPS["rg-1"],
              deploymentName: "d",
            },
          },
          { resourceGroup: () => undefined, existing: () => undefined, provision: () => undefined },
        ),
    ).toThrow(/Key Vault reference/);
    expect(() =>
      prepare(
        template({
          resources: [
            {
              type: "Microsoft.Resources/deployments",
              apiVersion: "2022-09-01",
              name: "linked",
              properties: { mode: "Incremental", templateLink: { uri: "https://example.com/t.json" } },
            },
          ],
        }),
      ),
    ).toThrow(/templateLink: the ARM emulator reads no URLs/);
    expect(() =>
      prepare(
        template({ resources: [site("[pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope')]")] }),
      ),
    ).toThrow(/'pickZones'/);
    expect(() => prepare({ resources: {} })).toThrow(/'resources' array/);
    expect(() =>
      prepare(template({ languageVersion: "2.0", resources: {}, asserts: { ok: "[true()]" } })),
    ).toThrow(/section 'asserts' is not supported/);
  });
});

describe("template resources", () => {
  it("deploys after dependsOn and after what reference() names, whatever the template order", () => {
    const { run, written } = setup();
    const outcome = run(
      template({
        resources: [
          site("app", {
            dependsOn: ["[resourceId('Microsoft.Web/serverfarms', 'plan')]"],
            properties: { vault: "[reference('vault').uri]" },
          }),
          {
            type: "Microsoft.KeyVault/vaults",
            apiVersion: "2023-02-01",
            name: "vault",
            properties: { uri: "https://vault.example" },
          },
          { type: "Microsoft.Web/serverfarms", apiVersion: "2022-03-01", name: "plan" },
        ],
      }),
    );
    expect(outcome.provisioningState).toBe("Succeeded");
    expect(written).toEqual(["plan", "vault", "app"]);
    expect(outcome.operations.map((o) => o.targetResource.resourceName)).toEqual(["plan", "vault", "app"]);
  });

  it("fails a circular dependency or an unknown dependency with InvalidTemplate", () => {
    const { run } = setup();
    const circular = run(
      template({ resources: [site("a", { dependsOn: ["b"] }), site("b", { dependsOn: ["a"] })] }),
    );
    expect(circular.error).toMatchObject({
      code: "InvalidTemplate",
      message: expect.stringMatching(/Circular dependency/),
    });
    const unknown = run(template({ resources: [site("a", { dependsOn: ["ghost"] })] }));
    expect(unknown.error?.message).toMatch(/'ghost' that .* depends on is not defined in the template/);
  });

  it("skips a resource whose condition is false; its dependents still deploy, a reference to it fails", () => {
    const { run, written } = setup();
    const ok = run(
      template({
        parameters: { on: { type: "bool", defaultValue: false } },
        resources: [site("a", { condition: "[parameters('on')]" }), site("b", { dependsOn: ["a"] })],
      }),
    );
    expect(ok.provisioningState).toBe("Succeeded");
    expect(written).toEqual(["b"]);
    const bad = run(
      template({
        resources: [site("a", { condition: false }), site("c", { properties: { x: "[reference('a').y]" } })],
      }),
    );
    expect(bad.error?.message).toMatch(/condition is false/);
  });

  it("does not attempt what depends on a failed resource, and reports DeploymentFailed with the failure", () => {
    const { run, written } = setup({ plan: { code: "QuotaExceeded", message: "No quota for plan." } });
    const outcome = run(
      template({
        resources: [
          { type: "Microsoft.Web/serverfarms", apiVersion: "2022-03-01", name: "plan" },
          site("app", { dependsOn: ["plan"] }),
          site("other"),
        ],
      }),
    );
    expect(written).toEqual(["plan", "other"]);
    expect(outcome.error).toMatchObject({
      code: "DeploymentFailed",
      details: [
        {
          code: "QuotaExceeded",
          message: "No quota for plan.",
          target: `${PREFIX}/Microsoft.Web/serverfarms/plan`,
        },
      ],
    });
    expect(outcome.operations.map((o) => [o.targetResource.resourceName, o.provisioningState])).toEqual([
      ["plan", "Failed"],
      ["other", "Succeeded"],
    ]);
    expect(outcome.outputs).toEqual({});
  });

  it("expands copy loops (resource, property and variable) and child and extension resources", () => {
    const { run, recorded } = setup();
    const outcome = run(
      template({
        variables: {
          copy: [
            { name: "subnets", count: 2, input: { name: "[format('snet-{0}', copyIndex('subnets'))]" } },
          ],
        },
        resources: [
          {
            type: "Microsoft.Network/virtualNetworks",
            apiVersion: "2023-04-01",
            name: "[concat('vnet', copyIndex())]",
            copy: { name: "vnets", count: 2 },
            properties: {
              subnets: "[variables('subnets')]",
              copy: [{ name: "peers", count: "[copyIndex(1)]", input: "[copyIndex('peers')]" }],
            },
            resources: [{ type: "subnets", apiVersion: "2023-04-01", name: "default", properties: {} }],
          },
          {
            type: "Microsoft.Authorization/locks",
            apiVersion: "2020-05-01",
            name: "nodelete",
            scope: "Microsoft.Network/virtualNetworks/vnet0",
            dependsOn: ["vnets"],
            properties: { level: "CanNotDelete" },
          },
        ],
      }),
    );
    expect(outcome.provisioningState).toBe("Succeeded");
    expect([...recorded.keys()].sort()).toEqual(
      [
        `${PREFIX}/Microsoft.Network/virtualNetworks/vnet0`,
        `${PREFIX}/Microsoft.Network/virtualNetworks/vnet0/subnets/default`,
        `${PREFIX}/Microsoft.Network/virtualNetworks/vnet1`,
        `${PREFIX}/Microsoft.Network/virtualNetworks/vnet1/subnets/default`,
        `${PREFIX}/Microsoft.Network/virtualNetworks/vnet0/providers/Microsoft.Authorization/locks/nodelete`,
      ]
        .map((id) => id.toLowerCase())
        .sort(),
    );
    expect(
      recorded.get(`${PREFIX}/Microsoft.Network/virtualNetworks/vnet1`.toLowerCase())?.properties,
    ).toEqual({
      subnets: [{ name: "snet-0" }, { name: "snet-1" }],
      peers: [0, 1],
    });
  });

  it("reads languageVersion 2.0 symbolic names and existing resources", () => {
    const { run, recorded } = setup();
    recorded.set(`${PREFIX}/Microsoft.Web/serverfarms/shared`.toLowerCase(), {
      id: `${PREFIX}/Microsoft.Web/serverfarms/shared`,
      type: "Microsoft.Web/serverfarms",
      name: "shared",
      properties: { tier: "S1" },
      deployment: "earlier",
    });
    const outcome = run(
      template({
        languageVersion: "2.0",
        resources: {
          plan: {
            type: "Microsoft.Web/serverfarms",
            apiVersion: "2022-03-01",
            name: "shared",
            existing: true,
          },
          app: site("app", { dependsOn: ["plan"], properties: { tier: "[reference('plan').tier]" } }),
        },
        outputs: { tier: { type: "string", value: "[reference('app').tier]" } },
      }),
    );
    expect(outcome.outputs).toEqual({ tier: { type: "String", value: "S1" } });
    expect(outcome.resourceIds).toEqual([`${PREFIX}/Microsoft.Web/sites/app`]);
  });
});

describe("nested templates", () => {
  const inner = (resources: unknown[], outputs: T = {}) => template({ resources, outputs });

  it("in outer scope reads the parent's parameters and variables; in inner scope only its own", () => {
    const { run } = setup();
    const outcome = run(
      template({
        parameters: { suffix: { type: "string", defaultValue: "x" } },
        variables: { name: "[concat('app-', parameters('suffix'))]" },
        resources: [
          {
            type: "Microsoft.Resources/deployments",
            apiVersion: "2022-09-01",
            name: "outer",
            properties: {
              mode: "Incremental",
              template: inner([site("[variables('name')]")], {
                n: { type: "string", value: "[variables('name')]" },
              }),
            },
          },
          {
            type: "Microsoft.Resources/deployments",
            apiVersion: "2022-09-01",
            name: "inner",
            properties: {
              mode: "Incremental",
              expressionEvaluationOptions: { scope: "inner" },
              parameters: { fromOuter: { value: "[reference('outer').outputs.n.value]" } },
              template: template({
                parameters: { fromOuter: { type: "string" } },
                variables: { name: "own" },
                resources: [],
                outputs: {
                  both: {
                    type: "string",
                    value: "[concat(parameters('fromOuter'), '+', variables('name'))]",
                  },
                },
              }),
            },
          },
        ],
        outputs: { both: { type: "string", value: "[reference('inner').outputs.both.value]" } },
      }),
    );
    expect(outcome.outputs).toEqual({ both: { type: "String", value: "app-x+own" } });
    expect(outcome.nested.map((n) => [n.name, n.outcome.provisioningState])).toEqual([
      ["outer", "Succeeded"],
      ["inner", "Succeeded"],
    ]);
  });

  it("deploys into another existing group, and fails the nested resource when the group is missing", () => {
    const { run, recorded } = setup();
    const ok = run(
      template({
        resources: [
          {
            type: "Microsoft.Resources/deployments",
            apiVersion: "2022-09-01",
            name: "elsewhere",
            resourceGroup: "rg-2",
            properties: {
              mode: "Incremental",
              expressionEvaluationOptions: { scope: "inner" },
              template: inner([site("far", { location: "[resourceGroup().location]" })]),
            },
          },
        ],
      }),
    );
    expect(ok.provisioningState).toBe("Succeeded");
    expect(
      recorded.get(
        `/subscriptions/${SUB}/resourceGroups/rg-2/providers/Microsoft.Web/sites/far`.toLowerCase(),
      )?.location,
    ).toBe("eastus");
    const missing = run(
      template({
        resources: [
          {
            type: "Microsoft.Resources/deployments",
            apiVersion: "2022-09-01",
            name: "nowhere",
            resourceGroup: "rg-9",
            properties: { mode: "Incremental", template: inner([]) },
          },
        ],
      }),
    );
    expect(missing.error).toMatchObject({
      code: "DeploymentFailed",
      details: [{ code: "ResourceGroupNotFound" }],
    });
  });
});

describe("secure values", () => {
  it("keeps secure parameter values out of recorded resources and outputs", () => {
    const { run, recorded } = setup();
    const outcome = run(
      template({
        parameters: { adminPassword: { type: "securestring" } },
        resources: [
          {
            type: "Microsoft.Sql/servers",
            apiVersion: "2022-05-01-preview",
            name: "sql",
            properties: {
              administratorLoginPassword: "[parameters('adminPassword')]",
              connection: "[concat('pwd=', parameters('adminPassword'), ';')]",
            },
          },
        ],
        outputs: {
          secret: { type: "securestring", value: "[parameters('adminPassword')]" },
          plain: { type: "string", value: "[concat('x', parameters('adminPassword'))]" },
        },
      }),
      { adminPassword: "Pa55word!" },
    );
    expect(JSON.stringify([...recorded.values()])).not.toContain("Pa55word!");
    expect([...recorded.values()][0].properties).toEqual({
      administratorLoginPassword: "[redacted]",
      connection: "pwd=[redacted];",
    });
    expect(outcome.outputs).toEqual({
      secret: { type: "SecureString" },
      plain: { type: "String", value: "x[redacted]" },
    });
  });
});

describe("a template laid out as Bicep compiles modules (the patterns of Microsoft's sample catalogs)", () => {
  const moduleTemplate = template({
    metadata: { _generator: { name: "bicep", version: "0.0.0", templateHash: "1" } },
    parameters: {
      name: { type: "string" },
      location: { type: "string", defaultValue: "[resourceGroup().location]" },
      tags: { type: "object", defaultValue: {} },
      principalId: { type: "string", defaultValue: "" },
      settings: { type: "object", defaultValue: {} },
    },
    variables: {
      roleId:
        "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')]",
    },
    resources: [
      {
        type: "Microsoft.Web/sites",
        apiVersion: "2022-03-01",
        name: "[parameters('name')]",
        location: "[parameters('location')]",
        tags: "[union(parameters('tags'), createObject('azd-service-name', 'web'))]",
        kind: "app,linux",
        properties: {
          siteConfig: {
            appSettings:
              "[map(items(parameters('settings')), lambda('s', createObject('name', lambdaVariables('s').key, 'value', lambdaVariables('s').value)))]",
          },
        },
      },
      {
        condition: "[not(empty(parameters('principalId')))]",
        type: "Microsoft.Authorization/roleAssignments",
        apiVersion: "2022-04-01",
        scope: "[format('Microsoft.Web/sites/{0}', parameters('name'))]",
        name: "[guid(resourceId('Microsoft.Web/sites', parameters('name')), parameters('principalId'), variables('roleId'))]",
        properties: {
          roleDefinitionId: "[variables('roleId')]",
          principalId: "[parameters('principalId')]",
          principalType: "ServicePrincipal",
        },
        dependsOn: ["[resourceId('Microsoft.Web/sites', parameters('name'))]"],
      },
    ],
    outputs: {
      name: { type: "string", value: "[parameters('name')]" },
      uri: { type: "string", value: "[format('https://{0}.azurewebsites.net', parameters('name'))]" },
      tenant: { type: "string", value: "[tenant().tenantId]" },
    },
  });
  const main = template({
    metadata: { _generator: { name: "bicep", version: "0.0.0", templateHash: "2" } },
    parameters: {
      environmentName: {
        type: "string",
        defaultValue: "[resourceGroup().name]",
        minLength: 1,
        maxLength: 64,
      },
      runtime: { type: "string", allowedValues: ["python", "nodejs"] },
      principalId: { type: "string", defaultValue: "" },
      useExtra: { type: "bool", defaultValue: false },
    },
    variables: {
      token:
        "[toLower(uniqueString(subscription().id, parameters('environmentName'), resourceGroup().location))]",
      tags: { "azd-env-name": "[parameters('environmentName')]" },
      names: "[split('web,api', ',')]",
      ports: '[json(\'{"python": 8000, "nodejs": 3000}\')]',
    },
    resources: [
      {
        copy: { name: "apps", count: "[length(variables('names'))]" },
        type: "Microsoft.Resources/deployments",
        apiVersion: "2022-09-01",
        name: "[variables('names')[copyIndex()]]",
        properties: {
          expressionEvaluationOptions: { scope: "inner" },
          mode: "Incremental",
          parameters: {
            name: { value: "[format('app-{0}-{1}', variables('names')[copyIndex()], variables('token'))]" },
            tags: { value: "[variables('tags')]" },
            principalId:
              "[if(equals(variables('names')[copyIndex()], 'api'), createObject('value', parameters('principalId')), createObject('value', ''))]",
            settings: {
              value: {
                PORT: "[string(variables('ports')[parameters('runtime')])]",
                RUNTIME: "[parameters('runtime')]",
              },
            },
          },
          template: moduleTemplate,
        },
      },
      {
        condition: "[parameters('useExtra')]",
        type: "Microsoft.Resources/deployments",
        apiVersion: "2022-09-01",
        name: "extra",
        properties: {
          expressionEvaluationOptions: { scope: "inner" },
          mode: "Incremental",
          template: template({ resources: [] }),
        },
      },
    ],
    outputs: {
      WEB_URI: {
        type: "string",
        value:
          "[reference(resourceId('Microsoft.Resources/deployments', 'web'), '2022-09-01').outputs.uri.value]",
      },
      API_NAME: {
        type: "string",
        value:
          "[reference(resourceId('Microsoft.Resources/deployments', 'api'), '2022-09-01').outputs.name.value]",
      },
      TENANT: { type: "string", value: "[reference('web').outputs.tenant.value]" },
      STORAGE_SUFFIX: { type: "string", value: "[environment().suffixes.storage]" },
      DEPLOYMENT: { type: "string", value: "[deployment().name]" },
    },
  });

  it("deploys the modules in a copy loop, passes values through, and serves the outputs", () => {
    const { run, recorded } = setup();
    const outcome = run(main, { runtime: "nodejs", principalId: "11111111-1111-1111-1111-111111111111" });
    expect(outcome.error).toBeUndefined();
    const token = outcome.outputs.API_NAME.value as string;
    expect(token).toMatch(/^app-api-[a-z2-7]{13}$/);
    expect(outcome.outputs).toMatchObject({
      WEB_URI: { value: expect.stringMatching(/^https:\/\/app-web-[a-z2-7]{13}\.azurewebsites\.net$/) },
      TENANT: { value: "tenant" },
      STORAGE_SUFFIX: { value: "core.windows.net" },
      DEPLOYMENT: { value: "main" },
    });
    const types = [...recorded.values()].map((r) => r.type).sort();
    expect(types).toEqual([
      "Microsoft.Authorization/roleAssignments",
      "Microsoft.Web/sites",
      "Microsoft.Web/sites",
    ]);
    const web = [...recorded.values()].find((r) => r.name.startsWith("app-web-"));
    expect(web?.tags).toEqual({ "azd-env-name": "rg-1", "azd-service-name": "web" });
    expect(web?.properties).toEqual({
      siteConfig: {
        appSettings: [
          { name: "PORT", value: "3000" },
          { name: "RUNTIME", value: "nodejs" },
        ],
      },
    });
    const assignment = [...recorded.values()].find(
      (r) => r.type === "Microsoft.Authorization/roleAssignments",
    );
    expect(assignment?.id).toMatch(
      new RegExp(
        `^${PREFIX}/Microsoft.Web/sites/${token}/providers/Microsoft.Authorization/roleAssignments/[0-9a-f-]{36}$`,
      ),
    );
    expect(outcome.nested.map((n) => n.name)).toEqual(["web", "api"]);
  });
});
