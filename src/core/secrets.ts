/**
 * Scrubbing secrets out of text that is stored or shown (logs, error messages, results): every
 * occurrence of a secret's value becomes `***`, wherever it appears. Pure.
 */

export const REDACTED = "***";

/**
 * `text` with every occurrence of each of `secrets` replaced. Longer secrets go first, so a secret
 * that contains another is replaced whole; empty values are skipped (they would match everywhere).
 */
export function scrubSecrets(text: string, secrets: Iterable<string | undefined>): string {
  const values = [...new Set([...secrets].filter((s): s is string => typeof s === "string" && s !== ""))];
  values.sort((a, b) => b.length - a.length);
  let scrubbed = text;
  for (const value of values) scrubbed = scrubbed.split(value).join(REDACTED);
  return scrubbed;
}

/**
 * `text` with every run of `characters` (a regex character class body, e.g. "A-Za-z0-9_-") that
 * `isSecret` recognises replaced: for a secret known only by its hash (the runner's token).
 */
export function scrubRecognised(
  text: string,
  characters: string,
  isSecret: (word: string) => boolean,
): string {
  return text.replace(new RegExp(`[${characters}]+`, "g"), (word) => (isSecret(word) ? REDACTED : word));
}
