/** The one secret scrubber: a secret's value goes wherever it appears, whole, and nothing else does. */
import {
  MIN_MASKED_LENGTH,
  REDACTED,
  scrubRecognised,
  scrubSecrets,
  secureValueForms,
} from "../../../src/core/secrets";
import {
  hashRunnerToken,
  newRunnerToken,
  runnerTokenMatches,
  RUNNER_TOKEN_CHARACTERS,
} from "../../../src/runner-protocol/token";

describe("scrubSecrets", () => {
  it("replaces every occurrence, inside words, across lines and in JSON", () => {
    const secret = "s3cr3t-Value";
    const text = `token=${secret}\nurl=https://x:${secret}@host/ {"p":"${secret}"} pre${secret}post`;
    const scrubbed = scrubSecrets(text, [secret]);
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toBe(
      `token=${REDACTED}\nurl=https://x:${REDACTED}@host/ {"p":"${REDACTED}"} pre${REDACTED}post`,
    );
  });

  it("replaces a secret that contains another one whole, and skips empty or missing values", () => {
    expect(scrubSecrets("abc-abcdef", ["abc", "abcdef", "", undefined])).toBe(`${REDACTED}-${REDACTED}`);
    expect(scrubSecrets("nothing to hide", [undefined, ""])).toBe("nothing to hide");
  });

  it("treats regex characters in a secret literally", () => {
    expect(scrubSecrets("a.b*c a_b_c", ["a.b*c"])).toBe(`${REDACTED} a_b_c`);
  });
});

describe("scrubRecognised", () => {
  it("finds a secret known only by its hash, wherever it appears as a word", () => {
    const { token, hash } = newRunnerToken();
    const other = newRunnerToken().token;
    const text = `ADE_RUNNER_TOKEN=${token}\necho "${token}" ${other}`;
    const scrubbed = scrubRecognised(text, RUNNER_TOKEN_CHARACTERS, (word) => runnerTokenMatches(word, hash));
    expect(scrubbed).toBe(`ADE_RUNNER_TOKEN=${REDACTED}\necho "${REDACTED}" ${other}`);
    expect(hashRunnerToken(token)).toBe(hash);
  });
});

describe("secureValueForms", () => {
  const masked = (text: string, values: unknown[]) => scrubSecrets(text, secureValueForms(values));

  it("masks a value as printed and as it stands in JSON text, escaped either way", () => {
    const value = 'pa"ss\\wörd\t1';
    const printed = `echo ${value}`;
    const json = JSON.stringify({ password: value });
    const ascii = json.replace(/ö/g, "\\u00f6");
    expect(ascii).not.toBe(json);
    for (const text of [printed, json, ascii, JSON.stringify(json)]) {
      const scrubbed = masked(text, [value]);
      expect(scrubbed).toContain(REDACTED);
      expect(scrubbed).not.toContain("wörd");
      expect(scrubbed).not.toContain("w\\u00f6rd");
    }
    expect(masked(json, [value])).toBe(`{"password":"${REDACTED}"}`);
  });

  it("masks each line of a value of several lines, as the log has them one by one", () => {
    const key = "-----BEGIN KEY-----\r\nMIIBOgIBAAJBAKj34GkxFhD9\nQ2xXyZ\n-----END KEY-----";
    const lines = key.split(/\r?\n/);
    for (const line of lines) expect(masked(`[log] ${line}`, [key])).toBe(`[log] ${REDACTED}`);
    expect(masked(`cat: ${key}`, [key])).toBe(`cat: ${REDACTED}`);
  });

  it("masks a secureobject's JSON, that JSON inside a JSON string, and each string in it", () => {
    const settings = { token: "tok-0123456789", nested: [{ key: "k3y-value" }], port: 8080, on: true };
    const json = JSON.stringify(settings);
    expect(masked(`ADE_OPERATION_PARAMETERS={"settings":${json}}`, [settings])).toBe(
      `ADE_OPERATION_PARAMETERS={"settings":${REDACTED}}`,
    );
    expect(masked(JSON.stringify({ message: `bad ${json}` }), [settings])).toBe(
      `{"message":"bad ${REDACTED}"}`,
    );
    expect(masked("token tok-0123456789, key k3y-value", [settings])).toBe(
      `token ${REDACTED}, key ${REDACTED}`,
    );
    // Numbers and booleans inside the object are not masked on their own: "8080" and "true" are everywhere.
    expect(masked("port 8080 is true", [settings])).toBe("port 8080 is true");
  });

  it(`leaves values shorter than ${MIN_MASKED_LENGTH} characters alone, and masks those that long`, () => {
    const log = "2026-12-02T05:51:22.123Z [log] a bit of output";
    expect(secureValueForms(["a", "it", "123", "", undefined, null, 42])).toEqual([]);
    expect(masked(log, ["a", "it", "123"])).toBe(log);
    expect("bit ".length).toBe(MIN_MASKED_LENGTH);
    expect(masked(log, ["bit "])).toBe(`2026-12-02T05:51:22.123Z [log] a ${REDACTED}of output`);
    expect(secureValueForms([{ a: "xy" }])).toEqual(['{"a":"xy"}', '{\\"a\\":\\"xy\\"}']);
  });
});
