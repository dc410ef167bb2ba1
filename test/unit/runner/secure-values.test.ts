/** What `ade execute` masks besides its token: the values of the ids `ade init` marks secure. */
import { LogPump } from "../../../runner/cli/log-pump";
import { secureParameterIds, secureValuesToMask } from "../../../runner/cli/secure-values";
import { parseManifest } from "../../../src/core/manifest";
import { buildParametersSchema } from "../../../src/core/parameters";

const MANIFEST = [
  "name: vault",
  "templatePath: main.bicep",
  "parameters:",
  "  - { id: label, type: string }",
  "  - { id: password, type: securestring }",
  "  - { id: settings, type: secureObject }",
  "",
].join("\n");

describe("secure values in ade execute", () => {
  it("takes the secure ids from the definition's parametersSchema, as ade init does", () => {
    const manifest = parseManifest(MANIFEST, "environment.yaml");
    if (!manifest.ok) throw new Error(JSON.stringify(manifest.errors));
    const schema = JSON.stringify(buildParametersSchema(manifest.value));
    expect(secureParameterIds(schema)).toEqual(["password", "settings"]);
  });

  it("masks the values of those ids only, whole lines before they are cut between batches", async () => {
    const password = 'pw"-0123456789abcdef';
    const env = {
      ADE_SECURE_PARAMETER_IDS: JSON.stringify(["password", "settings"]),
      ADE_OPERATION_PARAMETERS: JSON.stringify({ label: "plain-label", password, settings: { k: "v-0123" } }),
    };
    const warnings: string[] = [];
    const secrets = secureValuesToMask(env, (message) => warnings.push(message));
    expect(warnings).toEqual([]);
    const batches: string[] = [];
    const pump = new LogPump({
      batchBytes: 48,
      intervalMs: 1,
      retryMs: 1000,
      secrets,
      isRetryable: () => false,
      onDrop: () => {},
      send: async (text) => void batches.push(text),
    });
    // Every offset of the value's JSON form against the 48-byte cuts.
    for (let pad = 0; pad < 48; pad++) pump.push(`${"p".repeat(pad)}${env.ADE_OPERATION_PARAMETERS}`);
    await pump.close();
    const joined = batches.join("");
    expect(joined).not.toContain("0123456789");
    expect(joined).not.toContain("v-0123");
    expect(joined.replace(/\n/g, "")).toBe(
      Array.from(
        { length: 48 },
        (_, pad) => `${"p".repeat(pad)}{"label":"plain-label","password":"***","settings":***}`,
      ).join(""),
    );
  });

  it("masks nothing and says so when the variables cannot be read (the API still masks)", () => {
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    expect(secureValuesToMask({}, warn)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(
      secureValuesToMask({ ADE_SECURE_PARAMETER_IDS: '["password"]', ADE_OPERATION_PARAMETERS: "{" }, warn),
    ).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining("masked by the control plane only")]);
  });
});
