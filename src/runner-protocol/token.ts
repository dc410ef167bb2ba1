/**
 * The runner's bearer token: 256 random bits, given to the runner container as a secure variable.
 * Only its sha256 is stored (OperationRecord.runnerTokenHash); requests are checked against it.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN_BYTES = 32;

/** What a runner token looks like (base64url); the runner API accepts 16 to 512 such characters. */
export const RUNNER_TOKEN_CHARACTERS = "A-Za-z0-9_-";

export function hashRunnerToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A fresh token for one operation's runner, and the hash to store on the operation record. */
export function newRunnerToken(): { token: string; hash: string } {
  const token = randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, hash: hashRunnerToken(token) };
}

/** Whether `token` is the one whose hash was stored, compared in constant time. */
export function runnerTokenMatches(token: string, storedHash: string | undefined): boolean {
  if (!storedHash || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashRunnerToken(token), "hex"), Buffer.from(storedHash, "hex"));
}
