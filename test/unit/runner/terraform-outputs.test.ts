import { TerraformOutputError, terraformOutputs } from "../../../runner/terraform/outputs";
import { validateEnvironmentOutputs } from "../../../src/runner-protocol/outputs";

describe("terraform output -json → EnvironmentOutputs", () => {
  // As terraform 1.11 prints them for string, number, bool, tuple, list, set, map and object values.
  const printed = {
    name: { sensitive: false, type: "string", value: "web" },
    count: { sensitive: false, type: "number", value: 3 },
    ratio: { sensitive: false, type: "number", value: 0.5 },
    on: { sensitive: false, type: "bool", value: true },
    tuple: { sensitive: false, type: ["tuple", ["number", "string"]], value: [1, "a"] },
    list: { sensitive: false, type: ["list", "string"], value: ["a"] },
    set: { sensitive: false, type: ["set", "string"], value: ["b"] },
    map: { sensitive: false, type: ["map", "string"], value: { k: "v" } },
    object: { sensitive: false, type: ["object", { a: "number" }], value: { a: 1 } },
    key: { sensitive: true, type: "string", value: "s3cret" },
  };

  it("uses the contract's type names, keeps values and sensitive, and passes validation", () => {
    const document = terraformOutputs(printed);
    expect(document.outputs).toEqual({
      name: { type: "string", value: "web", sensitive: false },
      count: { type: "number", value: 3, sensitive: false },
      ratio: { type: "number", value: 0.5, sensitive: false },
      on: { type: "boolean", value: true, sensitive: false },
      tuple: { type: "array", value: [1, "a"], sensitive: false },
      list: { type: "array", value: ["a"], sensitive: false },
      set: { type: "array", value: ["b"], sensitive: false },
      map: { type: "object", value: { k: "v" }, sensitive: false },
      object: { type: "object", value: { a: 1 }, sensitive: false },
      key: { type: "string", value: "s3cret", sensitive: true },
    });
    expect(validateEnvironmentOutputs(document)).toEqual({ ok: true, value: document });
  });

  it("reads no outputs as none", () => {
    expect(terraformOutputs({})).toEqual({ outputs: {} });
  });

  it.each([
    [[], "JSON object"],
    [{ x: { type: "dynamic", value: null } }, 'output x has type "dynamic"'],
    [{ x: { type: ["tuple", []] } }, "output x has no value"],
  ])("fails on %j", (document, message) => {
    expect(() => terraformOutputs(document)).toThrow(TerraformOutputError);
    expect(() => terraformOutputs(document)).toThrow(message);
  });
});
