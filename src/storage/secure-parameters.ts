/**
 * Secure parameter values (a manifest's securestring / secureobject parameters) are kept out of the
 * records' clear fields: records hold them sealed with AES-256-GCM under SECRETS_KEY, so a dump of
 * the tables shows ciphertext. Only the API (for the environment's owner and project admins) and
 * the runner API (for the operation's runner) open them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { secureValueForms } from "../core/secrets";

export interface SecureParameterSealer {
  seal(values: Record<string, unknown>): string;
  /** The values; throws when the text was not sealed with this key. */
  open(sealed: string): Record<string, unknown>;
}

const VERSION = "v1";
const AAD = Buffer.from("devcenter secure parameters v1");

export function createSecureParameterSealer(key: Buffer): SecureParameterSealer {
  if (key.length !== 32) throw new Error("The secure parameter key must be 32 bytes.");
  return {
    seal(values) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(JSON.stringify(values), "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) {
        throw new Error("The secure parameters are not in a form this service seals.");
      }
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(AAD);
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      const text = Buffer.concat([
        decipher.update(Buffer.from(body, "base64url")),
        decipher.final(),
      ]).toString("utf8");
      return JSON.parse(text) as Record<string, unknown>;
    },
  };
}

/** The values a record keeps sealed; none when it keeps none. A sealed value without the key is an error. */
export function openSealedParameters(
  sealer: SecureParameterSealer | undefined,
  sealed: string | undefined,
): Record<string, unknown> {
  if (sealed === undefined) return {};
  if (!sealer)
    throw new Error("A record holds sealed secure parameters, but SECURE_PARAMETERS_KEY is not set.");
  return sealer.open(sealed);
}

/** The texts to mask wherever a runner's text is stored (logs, errors): the forms of the sealed values. */
export function sealedValueForms(
  sealer: SecureParameterSealer | undefined,
  sealed: string | undefined,
): string[] {
  return secureValueForms(Object.values(openSealedParameters(sealer, sealed)));
}
