import { HttpRequest } from "@azure/functions";
import { readBodyUpTo } from "../../../src/api/body";
import { fromHttpRequest } from "../../../src/api/host";
import { MAX_API_REQUEST_BODY_BYTES } from "../../../src/core/limits";

const URL_ = "https://h/projects/p/users/me/environments/e?api-version=2026-01-01-preview";

/** A body stream of `chunks` chunks of 64 KiB that counts how many were pulled from it. */
function countingStream(chunks: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) controller.close();
      else {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      }
    },
  });
  return { stream, pulled: () => pulled };
}

describe("request bodies of the data plane", () => {
  it("are refused over the limit, as @azure/functions delivers them under func start (bytes)", async () => {
    const request = new HttpRequest({
      method: "PUT",
      url: URL_,
      headers: { "content-type": "application/json" },
      body: { bytes: Buffer.from(JSON.stringify({ parameters: { text: "x".repeat(2 * 1024 * 1024) } })) },
    });
    const parsed = await fromHttpRequest(request);
    expect(parsed.body).toBeUndefined();
    expect(parsed.bodyError).toMatchObject({ status: 413, code: "RequestBodyTooLarge" });
    expect(parsed.bodyError?.message).toContain(`${MAX_API_REQUEST_BODY_BYTES} bytes`);
  });

  it("are accepted up to the limit", async () => {
    const text = JSON.stringify({ padding: "y".repeat(MAX_API_REQUEST_BODY_BYTES - 20) });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_API_REQUEST_BODY_BYTES);
    const parsed = await fromHttpRequest(
      new HttpRequest({ method: "PUT", url: URL_, headers: {}, body: { bytes: Buffer.from(text) } }),
    );
    expect(parsed.bodyError).toBeUndefined();
    expect(parsed.body).toEqual(JSON.parse(text));
  });

  it("are read only up to the limit when no Content-Length says the size", async () => {
    const { stream, pulled } = countingStream(10_000);
    const limit = 256 * 1024;
    expect(await readBodyUpTo({ headers: new Headers(), body: stream }, limit)).toBeUndefined();
    // The chunk that passed the limit, and nothing after it.
    expect(pulled()).toBeLessThanOrEqual(limit / (64 * 1024) + 2);
  });

  it("are not read at all when Content-Length is over the limit", async () => {
    const { stream, pulled } = countingStream(100);
    const headers = new Headers({ "content-length": String(100 * 64 * 1024) });
    expect(await readBodyUpTo({ headers, body: stream }, 1024)).toBeUndefined();
    expect(pulled()).toBeLessThanOrEqual(1);
  });

  it("come back whole under the limit, without a Content-Length too", async () => {
    const { stream } = countingStream(3);
    const body = await readBodyUpTo({ headers: new Headers(), body: stream }, 3 * 64 * 1024);
    expect(body?.length).toBe(3 * 64 * 1024);
  });
});
