/**
 * uniqueString() and guid(): deterministic names from their arguments, joined with "-".
 * uniqueString is ARM's own: a two-lane 32-bit Murmur-style 64-bit hash of the UTF-8 bytes, written
 * as 13 lowercase base32 characters (the first 65 bits, most significant first); the unit tests
 * pin results Azure gives. guid is an RFC 4122 version-5 (SHA-1) UUID of the same joined text: stable
 * and well-formed, not checked against Azure's values.
 */
import { createHash } from "node:crypto";

const M32 = 0xffffffffn;
const C1 = 0xab0e9789n;
const C2 = 0x239b961bn;

function mul(a: bigint, b: bigint): bigint {
  return (a * b) & M32;
}

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (32n - r))) & M32;
}

function word(bytes: Buffer, at: number, count: number): bigint {
  let value = 0n;
  for (let i = count - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
  return value;
}

function mix(h: bigint): bigint {
  h = mul(h ^ (h >> 16n), 0x85ebca6bn);
  h = mul(h ^ (h >> 13n), 0xc2b2ae35n);
  return h ^ (h >> 16n);
}

function hash64(bytes: Buffer): bigint {
  let h1 = 0n;
  let h2 = 0n;
  let i = 0;
  for (; i + 8 <= bytes.length; i += 8) {
    const k1 = mul(rotl(mul(word(bytes, i, 4), C2), 15n), C1);
    const k2 = mul(rotl(mul(word(bytes, i + 4, 4), C1), 17n), C2);
    h1 = (mul(rotl(h1 ^ k1, 19n) + h2, 5n) + 0x561ccd1bn) & M32;
    h2 = (mul(rotl(h2 ^ k2, 13n) + h1, 5n) + 0x0bcaa747n) & M32;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    h1 ^= mul(rotl(mul(word(bytes, i, Math.min(rest, 4)), C2), 15n), C1);
    if (rest > 4) h2 ^= mul(rotl(mul(word(bytes, i + 4, rest - 4), C1), 17n), C2);
  }
  const length = BigInt(bytes.length);
  const r0 = (h2 ^ length) & M32;
  let r1 = ((h1 ^ length) + r0) & M32;
  let r2 = (r0 + r1) & M32;
  r1 = mix(r1);
  r2 = mix(r2);
  r1 = (r1 + r2) & M32;
  r2 = (r2 + r1) & M32;
  return (r2 << 32n) | r1;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function uniqueString(parts: string[]): string {
  let h = hash64(Buffer.from(parts.join("-"), "utf8"));
  let out = "";
  for (let i = 0; i < 13; i++) {
    out += BASE32[Number((h >> 59n) & 31n)];
    h = (h << 5n) & 0xffffffffffffffffn;
  }
  return out;
}

// A fixed namespace keeps guid() deterministic across emulator runs.
const GUID_NAMESPACE = Buffer.from("11fb06fb712d4ddd98c7e71bbd588830", "hex");

export function guid(parts: string[]): string {
  const digest = createHash("sha1")
    .update(GUID_NAMESPACE)
    .update(Buffer.from(parts.join("-"), "utf8"))
    .digest();
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
