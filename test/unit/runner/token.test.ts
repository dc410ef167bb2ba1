import { createHash } from "node:crypto";
import { hashRunnerToken, newRunnerToken, runnerTokenMatches } from "../../../src/runner-protocol/token";

describe("runner tokens", () => {
  it("are 256 random bits, url-safe, and come with their sha256", () => {
    const { token, hash } = newRunnerToken();
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(newRunnerToken().token).not.toBe(token);
  });

  it("match only their own hash", () => {
    const { token, hash } = newRunnerToken();
    expect(runnerTokenMatches(token, hash)).toBe(true);
    expect(runnerTokenMatches(newRunnerToken().token, hash)).toBe(false);
    expect(runnerTokenMatches(token, undefined)).toBe(false);
    expect(runnerTokenMatches(token, "not-a-hash")).toBe(false);
    expect(runnerTokenMatches(token, hashRunnerToken(token).toUpperCase())).toBe(false);
  });
});
