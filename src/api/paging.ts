/**
 * Paging of list responses: `{ value, nextLink? }`. The contract declares no paging parameters, so
 * nextLink carries our own `$skipToken` (an offset) on the request's URL; clients follow it as is.
 */
import { ApiError, ApiRequest } from "./http";

export const DEFAULT_PAGE_SIZE = 100;

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

export function page<T>(items: T[], request: ApiRequest, pageSize = DEFAULT_PAGE_SIZE): Page<T> {
  const token = request.url.searchParams.get("$skipToken");
  const offset = token === null ? 0 : Number(token);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ApiError(400, "InvalidSkipToken", "The $skipToken is not one this service issued.", {
      target: "$skipToken",
    });
  }
  const value = items.slice(offset, offset + pageSize);
  if (offset + pageSize >= items.length) return { value };
  const next = new URL(request.url.href);
  next.searchParams.set("$skipToken", String(offset + pageSize));
  return { value, nextLink: next.href };
}
