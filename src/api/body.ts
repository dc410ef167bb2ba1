/**
 * Reading a request body up to a limit, for the Functions HTTP triggers of the data plane and the
 * runner API: a Content-Length over the limit is refused before anything is read, and a body sent
 * without one is read only until it passes the limit, so an oversize body is never held whole.
 */

export interface BodySource {
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
}

/** The body, or undefined when it is larger than `limit` bytes. */
export async function readBodyUpTo(request: BodySource, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
