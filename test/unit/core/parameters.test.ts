import { parseManifest, type EnvironmentManifest } from "../../../src/core/manifest";
import { buildParametersSchema, toContractParameters } from "../../../src/core/parameters";

function manifest(text: string): EnvironmentManifest {
  const result = parseManifest(text, "environment.yaml");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const FUNCTION_APP = manifest(`
name: FunctionApp
runner: ARM
templatePath: azuredeploy.json
parameters:
  - id: functionAppRuntime
    name: Function App Runtime
    type: string
    required: true
    default: dotnet
    allowed: [node, dotnet, java]
  - id: httpsOnly
    name: HTTPS only
    description: Serve HTTPS only
    type: boolean
    default: true
    readOnly: true
    required: true
  - id: instances
    type: integer
    default: 2
    allowed: [1, 2, 4]
  - id: tags
    type: object
    default: { team: web }
  - id: owner
`);

describe("buildParametersSchema", () => {
  test("a draft-07 object schema with types, titles, defaults, enums and the required list", () => {
    expect(buildParametersSchema(FUNCTION_APP)).toEqual({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        functionAppRuntime: {
          type: "string",
          title: "Function App Runtime",
          default: "dotnet",
          enum: ["node", "dotnet", "java"],
        },
        httpsOnly: {
          type: "boolean",
          title: "HTTPS only",
          description: "Serve HTTPS only",
          default: true,
          readOnly: true,
          const: true,
        },
        instances: { type: "integer", default: 2, enum: [1, 2, 4] },
        tags: { type: "object", default: { team: "web" } },
        owner: { type: "string" },
      },
      // Read-only parameters are not listed: the request never has to send them.
      required: ["functionAppRuntime"],
      additionalProperties: false,
    });
  });

  test("serializes to the string the API serves as parametersSchema", () => {
    const text = JSON.stringify(buildParametersSchema(FUNCTION_APP));
    expect(JSON.parse(text)).toEqual(buildParametersSchema(FUNCTION_APP));
  });

  test("a definition without parameters accepts only an empty object", () => {
    const schema = buildParametersSchema(manifest("name: empty-def\nrunner: ARM\ntemplatePath: a.json\n"));
    expect(schema).toMatchObject({ properties: {}, required: [], additionalProperties: false });
  });
});

describe("toContractParameters", () => {
  test("defaults and allowed values as strings, required as a boolean", () => {
    expect(toContractParameters(FUNCTION_APP)).toEqual([
      {
        id: "functionAppRuntime",
        name: "Function App Runtime",
        type: "string",
        required: true,
        default: "dotnet",
        allowed: ["node", "dotnet", "java"],
      },
      {
        id: "httpsOnly",
        name: "HTTPS only",
        description: "Serve HTTPS only",
        type: "boolean",
        required: true,
        default: "true",
        readOnly: true,
      },
      { id: "instances", type: "integer", required: false, default: "2", allowed: ["1", "2", "4"] },
      { id: "tags", type: "object", required: false, default: '{"team":"web"}' },
      { id: "owner", type: "string", required: false },
    ]);
  });
});
