import { validateEnvironmentOutputs } from "../../../src/runner-protocol/outputs";

describe("EnvironmentOutputs validation", () => {
  it("accepts every contract type and the ARM spellings, keeping the type as given", () => {
    const result = validateEnvironmentOutputs({
      outputs: {
        s: { type: "string", value: "text" },
        n: { type: "number", value: 1.5 },
        i: { type: "int", value: 22, sensitive: false },
        I: { type: "Int", value: 7 },
        b: { type: "boolean", value: true },
        bb: { type: "bool", value: false },
        a: { type: "array", value: [1, "x"] },
        o: { type: "object", value: { k: "v" } },
        secret: { type: "securestring", value: "hidden" },
        shown: { type: "SecureString", value: "shown", sensitive: false },
        so: { type: "secureObject", value: {} },
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.outputs.I).toEqual({ type: "Int", value: 7, sensitive: false });
    expect(result.value.outputs.secret.sensitive).toBe(true);
    expect(result.value.outputs.shown.sensitive).toBe(false);
    expect(result.value.outputs.so.sensitive).toBe(true);
  });

  it("accepts the Terraform types ADE's Terraform conversion leaves, stored as object or array", () => {
    // `terraform output -json` after the jq walk of ADE's Terraform image: type constraints stay arrays.
    const result = validateEnvironmentOutputs({
      outputs: {
        tags: { type: ["map", "string"], value: { env: "dev" }, sensitive: false },
        names: { type: ["list", "string"], value: ["a", "b"], sensitive: false },
        ids: { type: ["set", "string"], value: ["x"], sensitive: false },
        pair: { type: ["tuple", ["string", "number"]], value: ["a", 1], sensitive: false },
        site: { type: ["object", { url: "string" }], value: { url: "https://x" }, sensitive: true },
        bare: { type: "tuple", value: [] },
        plain: { type: "map", value: {} },
      },
    });
    expect(result).toEqual({
      ok: true,
      value: {
        outputs: {
          tags: { type: "object", value: { env: "dev" }, sensitive: false },
          names: { type: "array", value: ["a", "b"], sensitive: false },
          ids: { type: "array", value: ["x"], sensitive: false },
          pair: { type: "array", value: ["a", 1], sensitive: false },
          site: { type: "object", value: { url: "https://x" }, sensitive: true },
          bare: { type: "array", value: [], sensitive: false },
          plain: { type: "object", value: {}, sensitive: false },
        },
      },
    });
  });

  it("treats ARM's null outputs (a template without outputs) as none", () => {
    expect(validateEnvironmentOutputs({ outputs: null })).toEqual({ ok: true, value: { outputs: {} } });
  });

  it("keeps an output named __proto__ as an ordinary output", () => {
    const result = validateEnvironmentOutputs(
      JSON.parse('{"outputs":{"__proto__":{"type":"string","value":"x"}}}'),
    );
    expect(result.ok && Object.keys(result.value.outputs)).toEqual(["__proto__"]);
  });

  it.each([
    [[], ""],
    [{ outputs: [] }, ""],
    [{ outputs: { x: "plain" } }, "/outputs/x"],
    [{ outputs: { x: { type: "date", value: "2020" } } }, "/outputs/x/type"],
    [{ outputs: { x: { type: "int", value: 1.5 } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: "int", value: "22" } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: "bool", value: "true" } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: "object", value: [1] } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: ["map", "string"], value: ["a"] } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: ["list", "string"], value: "a" } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: ["dynamic"], value: 1 } } }, "/outputs/x/type"],
    [{ outputs: { x: { type: [], value: 1 } } }, "/outputs/x/type"],
    [{ outputs: { x: { type: "string" } } }, "/outputs/x/value"],
    [{ outputs: { x: { type: "string", value: "v", sensitive: "yes" } } }, "/outputs/x/sensitive"],
    [{ outputs: { "": { type: "string", value: "v" } } }, "/outputs/"],
  ])("refuses %j, pointing at %j", (document, pointer) => {
    const result = validateEnvironmentOutputs(document, "outputs.json");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ file: "outputs.json", pointer });
  });
});
