/** The one secret scrubber: a secret's value goes wherever it appears, whole, and nothing else does. */
import { REDACTED, scrubRecognised, scrubSecrets } from "../../../src/core/secrets";
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
