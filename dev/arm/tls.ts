/**
 * The emulator's self-signed certificate (SAN IP:127.0.0.1 and localhost), generated once and kept in
 * the state folder so a client that trusts it (ARM_CA_CERT_FILE) keeps trusting it across restarts.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface Certificate {
  certFile: string;
  cert: string;
  key: string;
}

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

function stillValid(cert: string): boolean {
  try {
    return new Date(new X509Certificate(cert).validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

export async function ensureCertificate(dir: string): Promise<Certificate> {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, "arm-emulator-cert.pem");
  const keyFile = join(dir, "arm-emulator-key.pem");
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, "utf8");
    if (stillValid(cert)) return { certFile, cert, key: readFileSync(keyFile, "utf8") };
  }
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: "ARM emulator (127.0.0.1)" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 5 * 365 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { certFile, cert: pems.cert, key: pems.private };
}
