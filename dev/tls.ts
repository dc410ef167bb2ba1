/**
 * The local certificate authority and the server certificates it signs (SAN IP:127.0.0.1 and
 * localhost), made once with the `selfsigned` package and kept in a folder (.local/tls under npm
 * start), so a client that trusts the CA's file keeps trusting every local server across restarts.
 * The ARM emulator and the dev host both serve certificates from it.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface Certificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface LocalTls {
  /** PEM of the CA: what clients trust (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, curl --cacert). */
  caCertFile: string;
  /** A certificate for a loopback server, signed by the CA. */
  serverCertificate(name: string): Promise<Certificate>;
}

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const YEAR_MS = 365 * 24 * 3600 * 1000;

function stillValid(cert: string, issuer?: X509Certificate): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (new Date(x509.validTo).getTime() - Date.now() < RENEW_BEFORE_MS) return false;
    return issuer === undefined || (x509.checkIssued(issuer) && x509.verify(issuer.publicKey));
  } catch {
    return false;
  }
}

function readPair(certFile: string, keyFile: string): { cert: string; key: string } | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

function writePair(certFile: string, keyFile: string, pems: { cert: string; private: string }): void {
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
}

/** The CA in `dir` (made when missing or near its end) and a way to get server certificates from it. */
export async function ensureLocalTls(dir: string): Promise<LocalTls> {
  mkdirSync(dir, { recursive: true });
  const caCertFile = join(dir, "ca-cert.pem");
  const caKeyFile = join(dir, "ca-key.pem");
  let ca = readPair(caCertFile, caKeyFile);
  if (!ca || !stillValid(ca.cert)) {
    const now = Date.now();
    const pems = await generate([{ name: "commonName", value: "Dev Center local CA" }], {
      keyType: "ec",
      algorithm: "sha256",
      notBeforeDate: new Date(now - 60_000),
      notAfterDate: new Date(now + 10 * YEAR_MS),
      extensions: [
        { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    writePair(caCertFile, caKeyFile, pems);
    ca = { cert: pems.cert, key: pems.private };
  }
  const authority = ca;
  const issuer = new X509Certificate(authority.cert);
  return {
    caCertFile,
    async serverCertificate(name) {
      const certFile = join(dir, `${name}-cert.pem`);
      const keyFile = join(dir, `${name}-key.pem`);
      const existing = readPair(certFile, keyFile);
      if (existing && stillValid(existing.cert, issuer)) return { certFile, keyFile, ...existing };
      const now = Date.now();
      const pems = await generate([{ name: "commonName", value: `${name} (127.0.0.1)` }], {
        keyType: "ec",
        algorithm: "sha256",
        notBeforeDate: new Date(now - 60_000),
        notAfterDate: new Date(now + 2 * YEAR_MS),
        ca: authority,
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
      writePair(certFile, keyFile, pems);
      return { certFile, keyFile, cert: pems.cert, key: pems.private };
    },
  };
}
