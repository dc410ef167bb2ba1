/**
 * Bearer tokens already verified, so that a caller's next requests skip the RS256 signature check.
 * An entry is keyed by the SHA-256 of the token (the token itself is never kept), lasts until the
 * token's expiry at the latest, and remembers the key that verified it: the verifier trusts a hit
 * only while the key set still gives that same key. Beyond `capacity` entries the oldest go first.
 */
import { createHash } from "node:crypto";

export interface VerifiedToken<V> {
  value: V;
  /** The key object that verified the signature. */
  key: unknown;
  /** Epoch milliseconds after which the entry is gone (the token's exp). */
  expiresAt: number;
}

export class VerifiedTokens<V> {
  private readonly entries = new Map<string, VerifiedToken<V>>();

  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError("capacity must be at least 1");
  }

  /** What a token is known by here: its SHA-256, base64url. */
  static idOf(token: string): string {
    return createHash("sha256").update(token).digest("base64url");
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry of a token, unless it has expired at `now` (epoch ms). */
  get(id: string, now: number): VerifiedToken<V> | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  /** Remembers a verified token; one already expired at `now` is not kept. */
  set(id: string, entry: VerifiedToken<V>, now: number): void {
    if (now >= entry.expiresAt) return;
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
