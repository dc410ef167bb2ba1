/**
 * Paging of list responses: `{ value, nextLink? }`. nextLink carries our own `$skipToken` on the
 * request's URL, so it keeps every query parameter (api-version, maxpagesize); clients follow it as
 * is. Lists held in memory take an offset (`page`); lists read from storage in key order take the
 * last key of the page before, encoded (`pageByKey`), so each page reads one page of storage.
 * `maxpagesize` (Azure's paging parameter; the contract declares none) asks for smaller pages.
 */
import { ApiError, ApiRequest } from "./http";

export const DEFAULT_PAGE_SIZE = 100;

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

export function page<T>(items: T[], request: ApiRequest, defaultPageSize = DEFAULT_PAGE_SIZE): Page<T> {
  const token = request.url.searchParams.get("$skipToken");
  const offset = token === null ? 0 : Number(token);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidSkipToken();
  const pageSize = maxPageSize(request, defaultPageSize);
  const value = items.slice(offset, offset + pageSize);
  if (offset + pageSize >= items.length) return { value };
  const next = new URL(request.url.href);
  next.searchParams.set("$skipToken", String(offset + pageSize));
  return { value, nextLink: next.href };
}

/** An item of a list read in key order, and its key. */
export interface Keyed<T> {
  key: string;
  value: T;
}

/**
 * One page of a list read from storage in key order: `read` gets the key the page starts after and
 * how many items to read at most (one more than a page, to know whether another follows); a
 * `$skipToken` that does not hold a key `isKey` accepts is refused.
 */
export async function pageByKey<T>(
  request: ApiRequest,
  isKey: (key: string) => boolean,
  read: (after: string | undefined, limit: number) => Promise<Keyed<T>[]>,
  defaultPageSize = DEFAULT_PAGE_SIZE,
): Promise<Page<T>> {
  const token = request.url.searchParams.get("$skipToken");
  const after = token === null ? undefined : Buffer.from(token, "base64url").toString("utf8");
  if (after !== undefined && (!isKey(after) || Buffer.from(after).toString("base64url") !== token)) {
    throw invalidSkipToken();
  }
  const pageSize = maxPageSize(request, defaultPageSize);
  const items = await read(after, pageSize + 1);
  const value = items.slice(0, pageSize);
  if (items.length <= pageSize) return { value: value.map((item) => item.value) };
  const next = new URL(request.url.href);
  next.searchParams.set("$skipToken", Buffer.from(value[value.length - 1].key).toString("base64url"));
  return { value: value.map((item) => item.value), nextLink: next.href };
}

function invalidSkipToken(): ApiError {
  return new ApiError(400, "InvalidSkipToken", "The $skipToken is not one this service issued.", {
    target: "$skipToken",
  });
}

function maxPageSize(request: ApiRequest, defaultPageSize: number): number {
  const text = request.url.searchParams.get("maxpagesize");
  if (text === null) return defaultPageSize;
  const size = Number(text);
  if (!Number.isSafeInteger(size) || size < 1 || size > defaultPageSize) {
    throw new ApiError(
      400,
      "InvalidQueryParameter",
      `maxpagesize must be a whole number from 1 to ${defaultPageSize}.`,
      { target: "maxpagesize" },
    );
  }
  return size;
}
