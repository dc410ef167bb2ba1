import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunnerError } from "../../../runner/arm/errors";
import { environmentOutputs } from "../../../runner/arm/outputs";
import { loadTemplate, packLinkedTemplates, templateParameters } from "../../../runner/arm/template";

interface Packed {
  properties: Record<string, unknown> & { template: { resources: Packed[] } };
}

const SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

function linkedDeployment(name: string, relativePath: string, extra: Record<string, unknown> = {}) {
  return {
    type: "Microsoft.Resources/deployments",
    apiVersion: "2022-09-01",
    name,
    properties: { mode: "Incremental", templateLink: { relativePath }, ...extra },
  };
}

describe("linked templates (templateLink.relativePath)", () => {
  const files: Record<string, string> = {
    "/def/azuredeploy.json": JSON.stringify({
      $schema: SCHEMA,
      resources: [
        linkedDeployment("network", "nested/network.json", {
          parameters: { prefix: { value: "[parameters('p')]" } },
        }),
      ],
    }),
    "/def/nested/network.json": JSON.stringify({
      $schema: SCHEMA,
      parameters: { prefix: { type: "string" } },
      resources: [
        linkedDeployment("subnets", "parts/subnets.json", {
          parametersLink: { relativePath: "parts/subnets.parameters.json" },
        }),
      ],
    }),
    "/def/nested/parts/subnets.json": JSON.stringify({
      $schema: SCHEMA,
      resources: [{ type: "Microsoft.Network/x", name: "s" }],
    }),
    "/def/nested/parts/subnets.parameters.json": JSON.stringify({ parameters: { count: { value: 2 } } }),
  };
  const read = (path: string) => {
    if (!(path in files)) throw new RunnerError("DeploymentError", `no ${path}`);
    return files[path];
  };

  it("packs each one as a nested inline template with its own scope, relative to the template naming it", () => {
    const packed = packLinkedTemplates(
      JSON.parse(files["/def/azuredeploy.json"]),
      "/def/azuredeploy.json",
      read,
    );
    const network = (packed.resources as Packed[])[0];
    expect(network.properties.templateLink).toBeUndefined();
    expect(network.properties.expressionEvaluationOptions).toEqual({ scope: "inner" });
    expect(network.properties.parameters).toEqual({ prefix: { value: "[parameters('p')]" } });
    const subnets = network.properties.template.resources[0];
    expect(subnets.properties).toEqual({
      mode: "Incremental",
      template: JSON.parse(files["/def/nested/parts/subnets.json"]),
      expressionEvaluationOptions: { scope: "inner" },
      parameters: { count: { value: 2 } },
    });
  });

  it("leaves a template without links as it is and keeps links by uri", () => {
    const byUri = {
      $schema: SCHEMA,
      resources: [
        {
          type: "Microsoft.Resources/deployments",
          name: "u",
          properties: { templateLink: { uri: "https://x/t.json" } },
        },
      ],
    };
    expect(packLinkedTemplates(byUri, "/def/a.json", read)).toEqual(byUri);
  });

  it("fails on a missing file, a link to itself and an expression as the path", () => {
    const missing = { resources: [linkedDeployment("m", "none.json")] };
    expect(() => packLinkedTemplates(missing, "/def/a.json", read)).toThrow("no /def/none.json");
    const self = { resources: [linkedDeployment("me", "azuredeploy.json")] };
    expect(() => packLinkedTemplates(self, "/def/azuredeploy.json", read)).toThrow("links to itself");
    const expression = { resources: [linkedDeployment("e", "[variables('f')]")] };
    expect(() => packLinkedTemplates(expression, "/def/a.json", read)).toThrow("must be a plain path");
  });
});

describe("loadTemplate", () => {
  const dir = mkdtempSync(join(tmpdir(), "arm-template-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads JSON (with a byte-order mark) and names a file that is not JSON", () => {
    writeFileSync(join(dir, "ok.json"), `\uFEFF${JSON.stringify({ $schema: SCHEMA, resources: [] })}`);
    expect(loadTemplate(join(dir, "ok.json"))).toEqual({ $schema: SCHEMA, resources: [] });
    writeFileSync(join(dir, "bad.json"), "{ nope");
    expect(() => loadTemplate(join(dir, "bad.json"))).toThrow(`${join(dir, "bad.json")} is not valid JSON`);
  });

  it("fails a Bicep file clearly when there is no bicep on PATH", () => {
    writeFileSync(join(dir, "main.bicep"), "param p string\n");
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(() => loadTemplate(join(dir, "main.bicep"))).toThrow("is Bicep and there is no bicep on PATH");
    } finally {
      process.env.PATH = path;
    }
  });
});

describe("templateParameters", () => {
  it("passes the declared ones (ignoring case, in the template's spelling) and names the others", () => {
    const template = { parameters: { namePrefix: { type: "string" }, sku: { type: "string" } } };
    expect(templateParameters(template, { nameprefix: "x", sku: "Standard_LRS", extra: 1 })).toEqual({
      parameters: { namePrefix: { value: "x" }, sku: { value: "Standard_LRS" } },
      ignored: ["extra"],
    });
    expect(templateParameters({}, { a: 1 })).toEqual({ parameters: {}, ignored: ["a"] });
  });
});

describe("ARM outputs → EnvironmentOutputs", () => {
  it("keeps ARM's types, marks secure ones sensitive and skips outputs without a value", () => {
    expect(
      environmentOutputs({
        name: { type: "String", value: "acct" },
        count: { type: "Int", value: 2 },
        ids: { type: "Array", value: ["a"] },
        secret: { type: "SecureString" },
        key: { type: "secureString", value: "k" },
      }),
    ).toEqual({
      document: {
        outputs: {
          name: { type: "String", value: "acct", sensitive: false },
          count: { type: "Int", value: 2, sensitive: false },
          ids: { type: "Array", value: ["a"], sensitive: false },
          key: { type: "secureString", value: "k", sensitive: true },
        },
      },
      skipped: ["secret"],
    });
  });
});
