/** The deploy form's fields, from the schema the API really serves (core buildParametersSchema). */
import { parseManifest } from "../../../src/core/manifest";
import { buildParametersSchema, toContractParameters } from "../../../src/core/parameters";
import { fieldOfTarget, fieldsOf, readField, secretIds, type Field } from "../../../portal/parameters";

function fieldsFromManifest(yaml: string): Field[] {
  const parsed = parseManifest(yaml, "environment.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return fieldsOf(JSON.stringify(buildParametersSchema(parsed.value)), toContractParameters(parsed.value));
}

const MANIFEST = `
name: web
runner: Bicep
templatePath: main.bicep
parameters:
  - id: size
    name: Size
    type: string
    allowed: [small, large]
    default: small
  - id: replicas
    name: Replicas
    description: How many
    type: integer
    required: true
  - id: https
    name: HTTPS only
    type: boolean
    default: true
    readOnly: true
    required: true
  - id: tags
    type: object
`;

describe("deploy form fields", () => {
  const [size, replicas, https, tags] = fieldsFromManifest(MANIFEST);

  it("takes labels, types, choices, defaults, required and read-only from the schema, in order", () => {
    expect(size).toEqual({
      id: "size",
      label: "Size",
      type: "string",
      required: false,
      readOnly: false,
      secret: false,
      choices: ["small", "large"],
      default: "small",
    });
    expect(replicas).toMatchObject({
      id: "replicas",
      description: "How many",
      type: "integer",
      required: true,
    });
    expect(replicas.default).toBeUndefined();
    // Read-only parameters are left out of the schema's required list; the contract list still says so.
    expect(https).toMatchObject({ type: "boolean", readOnly: true, required: true, default: true });
    expect(tags).toMatchObject({ label: "tags", type: "object", required: false });
  });

  it("has no fields for a definition without parameters", () => {
    expect(fieldsOf(undefined)).toEqual([]);
  });

  it("reads typed values and leaves empty optional fields out", () => {
    expect(readField(size, "large")).toEqual({ ok: true, value: "large" });
    expect(readField(size, "")).toEqual({ ok: true });
    expect(readField(replicas, "3")).toEqual({ ok: true, value: 3 });
    expect(readField(tags, '{"team":"a"}')).toEqual({ ok: true, value: { team: "a" } });
    expect(readField({ ...https, readOnly: false }, "false")).toEqual({ ok: true, value: false });
  });

  it("says what is wrong with a value", () => {
    expect(readField(replicas, "")).toEqual({ ok: false, message: "is required" });
    expect(readField(replicas, "1.5")).toEqual({ ok: false, message: "must be a whole number" });
    expect(readField(replicas, "many")).toEqual({ ok: false, message: "must be a number" });
    expect(readField(size, "medium")).toEqual({ ok: false, message: "must be one of: small, large" });
    expect(readField(tags, "[1]")).toEqual({ ok: false, message: "must be a JSON object" });
    expect(readField(tags, "{")).toEqual({ ok: false, message: "must be JSON ({ … })" });
  });

  it("finds the field a server error names", () => {
    expect(fieldOfTarget("/parameters/size")).toBe("parameters.size");
    expect(fieldOfTarget("/parameters/a~1b")).toBe("parameters.a/b");
    expect(fieldOfTarget("expirationDate")).toBe("expirationDate");
    expect(fieldOfTarget(undefined)).toBeUndefined();
  });
});

describe("secure parameters in the form", () => {
  const fields = fieldsFromManifest(`
name: vault
runner: Bicep
templatePath: main.bicep
parameters:
  - id: password
    type: securestring
    required: true
  - id: connection
    type: secureObject
  - id: region
    type: string
`);

  it("marks securestring and secureobject fields secret, keeping their value types", () => {
    expect(fields.map((f) => [f.id, f.type, f.secret])).toEqual([
      ["password", "string", true],
      ["connection", "object", true],
      ["region", "string", false],
    ]);
    expect(readField(fields[1], '{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it("names the secure parameters of a schema", () => {
    const parsed = parseManifest(
      "name: vault\nrunner: Bicep\ntemplatePath: m.bicep\nparameters:\n  - id: pw\n    type: securestring\n  - id: n\n    type: string\n",
      "environment.yaml",
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect([...secretIds(JSON.stringify(buildParametersSchema(parsed.value)))]).toEqual(["pw"]);
  });
});
