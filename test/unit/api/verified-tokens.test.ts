import { createHash } from "node:crypto";
import { VerifiedTokens } from "../../../src/api/verified-tokens";

const NOW = 1_700_000_000_000;

function entry(value: string, expiresAt = NOW + 60_000) {
  return { value, key: {}, expiresAt };
}

describe("verified tokens", () => {
  it("knows a token by its SHA-256, never by the token", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.c2lnbmF0dXJl";
    const id = VerifiedTokens.idOf(token);
    expect(id).toBe(createHash("sha256").update(token).digest("base64url"));
    expect(id).not.toContain("eyJ");
    expect(VerifiedTokens.idOf(`${token}x`)).not.toBe(id);
  });

  it("forgets an entry at its expiry and does not keep one already expired", () => {
    const tokens = new VerifiedTokens<string>(10);
    tokens.set("a", entry("alice", NOW + 1000), NOW);
    expect(tokens.get("a", NOW + 999)?.value).toBe("alice");
    expect(tokens.get("a", NOW + 1000)).toBeUndefined();
    expect(tokens.size).toBe(0);
    tokens.set("b", entry("bob", NOW), NOW);
    expect(tokens.get("b", NOW - 1)).toBeUndefined();
  });

  it("keeps at most its capacity, dropping the least recently stored first", () => {
    const tokens = new VerifiedTokens<string>(2);
    tokens.set("a", entry("alice"), NOW);
    tokens.set("b", entry("bob"), NOW);
    tokens.set("a", entry("alice again"), NOW);
    tokens.set("c", entry("carol"), NOW);
    expect(tokens.size).toBe(2);
    expect(tokens.get("b", NOW)).toBeUndefined();
    expect(tokens.get("a", NOW)?.value).toBe("alice again");
    expect(tokens.get("c", NOW)?.value).toBe("carol");
  });

  it("refuses a capacity below one", () => {
    expect(() => new VerifiedTokens(0)).toThrow(RangeError);
  });
});
