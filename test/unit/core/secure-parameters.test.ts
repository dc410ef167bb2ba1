/** Secure parameter types in manifests, the split of resolved values, and the sealing of secure values. */
import { randomBytes } from "node:crypto";
import { parseManifest } from "../../../src/core/manifest";
import {
  buildParametersSchema,
  resolveParameters,
  splitSecureParameters,
  toContractParameters,
} from "../../../src/core/parameters";
import { createSecureParameterSealer, openSealedParameters } from "../../../src/storage/secure-parameters";

const VAULT = `
name: vault
runner: ARM
templatePath: azuredeploy.json
parameters:
  - { id: adminPassword, type: secureString, required: true }
  - { id: connection, type: secureobject, default: { user: app } }
  - { id: label, type: string, default: plain }
`;

describe("secure parameter types", () => {
  const parsed = parseManifest(VAULT, "environment.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const manifest = parsed.value;

  it("are ARM's securestring and secureobject in any case, with the value type they stand for", () => {
    expect(manifest.parameters.map(({ id, type, secure }) => ({ id, type, secure }))).toEqual([
      { id: "adminPassword", type: "string", secure: true },
      { id: "connection", type: "object", secure: true },
      { id: "label", type: "string", secure: undefined },
    ]);
    // The contract has no secure type: clients see the value type, and the schema marks the value write-only.
    expect(toContractParameters(manifest).map((p) => p.type)).toEqual(["string", "object", "string"]);
    expect(buildParametersSchema(manifest).properties).toMatchObject({
      adminPassword: { type: "string", writeOnly: true },
      connection: { type: "object", writeOnly: true },
    });
    const wrong = parseManifest(VAULT.replace("default: { user: app }", "default: 42"), "environment.yaml");
    expect(wrong.ok ? [] : wrong.errors.map((e) => e.pointer)).toEqual(["/parameters/1/default"]);
  });

  it("split resolved values into clear and secure ones", () => {
    const resolved = resolveParameters(manifest, { adminPassword: "s3cret" });
    expect(resolved.ok && splitSecureParameters(manifest, resolved.value)).toEqual({
      plain: { label: "plain" },
      secure: { adminPassword: "s3cret", connection: { user: "app" } },
    });
  });

  it("are sealed with the key: ciphertext without the values, refused with another key or when changed", () => {
    const key = randomBytes(32);
    const sealer = createSecureParameterSealer(key);
    const values = { adminPassword: "s3cret-value", connection: { user: "app" } };
    const sealed = sealer.seal(values);
    expect(sealed).not.toContain("s3cret");
    expect(sealed).not.toBe(sealer.seal(values));
    expect(sealer.open(sealed)).toEqual(values);
    expect(openSealedParameters(sealer, undefined)).toEqual({});
    expect(() => createSecureParameterSealer(randomBytes(32)).open(sealed)).toThrow();
    // One whole byte of the ciphertext flipped (a base64 character may carry only padding bits).
    const [version, iv, tag, body] = sealed.split(".");
    const flipped = Buffer.from(body, "base64url");
    flipped[0] ^= 0xff;
    const tampered = [version, iv, tag, flipped.toString("base64url")].join(".");
    expect(() => sealer.open(tampered)).toThrow();
    expect(() => openSealedParameters(undefined, sealed)).toThrow(/SECURE_PARAMETERS_KEY/);
  });
});
