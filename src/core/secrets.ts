/**
 * Scrubbing secrets out of text that is stored or shown (logs, error messages, results): every
 * occurrence of a secret's value becomes `***`, wherever it appears. Pure.
 */

export const REDACTED = "***";

/**
 * Secure values shorter than this are not masked: a value of 1–3 characters ("a", "on", "123") is
 * inside ordinary words, numbers and every line's timestamp, so masking it would wreck the log while
 * hiding little (so short a value is guessed in a moment anyway).
 */
export const MIN_MASKED_LENGTH = 4;

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
 * The texts that give secure parameter values away, for scrubSecrets. For each string: itself; as
 * it appears inside JSON text (escaped as JSON.stringify does, once or twice for JSON inside a JSON
 * string, and with non-ASCII as \uXXXX, as Python and PowerShell write it); when it has several lines, each line (the log pump scrubs line
 * by line). For an object or array (a secureobject): its compact JSON, that JSON escaped (as inside a
 * JSON string), and every string in it. Numbers and booleans inside an object, and anything shorter
 * than MIN_MASKED_LENGTH, are left alone; so are re-encodings (base64, URL-encoding).
 */
export function secureValueForms(values: Iterable<unknown>): string[] {
  const forms = new Set<string>();
  const add = (form: string) => {
    if (form.length >= MIN_MASKED_LENGTH) forms.add(form);
  };
  const visit = (value: unknown) => {
    if (typeof value === "string") {
      const escaped = jsonEscaped(value);
      [value, escaped, jsonEscaped(escaped), asciiJsonEscaped(value), ...value.split(/\r?\n/)].forEach(add);
    } else if (value !== null && typeof value === "object") {
      const json = JSON.stringify(value);
      add(json);
      add(jsonEscaped(json));
      Object.values(value).forEach(visit);
    }
  };
  for (const value of values) visit(value);
  return [...forms];
}

/** The text as it stands between the quotes of a JSON string. */
function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The same, with every character beyond ASCII as a \uXXXX escape. */
function asciiJsonEscaped(text: string): string {
  return jsonEscaped(text).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
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
