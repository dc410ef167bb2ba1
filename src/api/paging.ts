/**
 * Paging of list responses: `{ value, nextLink? }`. nextLink carries our own `$skipToken` (an
 * offset) on the request's URL, so it keeps every query parameter (api-version, maxpagesize); clients
 * follow it as is. `maxpagesize` (Azure's paging parameter; the contract declares none) asks for
 * smaller pages.
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
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ApiError(400, "InvalidSkipToken", "The $skipToken is not one this service issued.", {
      target: "$skipToken",
    });
  }
  const pageSize = maxPageSize(request, defaultPageSize);
  const value = items.slice(offset, offset + pageSize);
  if (offset + pageSize >= items.length) return { value };
  const next = new URL(request.url.href);
  next.searchParams.set("$skipToken", String(offset + pageSize));
  return { value, nextLink: next.href };
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
