/**
 * The public origin of a request: the scheme, host (and path prefix) that every absolute URL in an
 * answer starts with (uri, nextLink, Operation-Location, Location). In order:
 * 1. PUBLIC_BASE_URL, when set: the one address clients use (e.g. behind a front that strips a path).
 * 2. A trusted front's forwarding headers: `Forwarded` (RFC 7239) or X-Forwarded-Proto/-Host. A
 *    front is trusted when the address that connected to the host is in TRUSTED_FRONTS; that address
 *    is the last X-Forwarded-For entry, which the platform appends (App Service's front ends, the dev
 *    host), so a client cannot choose it. Where nothing appends it (func start), leave the list empty.
 * 3. The URL the host hands the app (in Azure https://<app>.azurewebsites.net/...).
 */
import { BlockList, isIP } from "node:net";

export interface OriginSettings {
  /** Absolute http(s) URL without query or trailing slash. */
  publicBaseUrl?: string;
  /** IP addresses and CIDR ranges of the fronts whose forwarding headers are believed. */
  trustedFronts: string[];
}

interface RequestLike {
  url: URL;
  headers: { get(name: string): string | null };
}

/** The request's URL as the client addressed it; its base (origin plus any path prefix) separately. */
export interface PublicUrl {
  base: string;
  url: URL;
}

export function publicUrl(request: RequestLike, settings: OriginSettings | undefined): PublicUrl {
  const base = settings?.publicBaseUrl ?? forwardedOrigin(request, settings) ?? request.url.origin;
  return { base, url: new URL(`${base}${request.url.pathname}${request.url.search}`) };
}

function forwardedOrigin(request: RequestLike, settings: OriginSettings | undefined): string | undefined {
  if (!settings || settings.trustedFronts.length === 0) return undefined;
  const peer = connectingAddress(request.headers.get("x-forwarded-for"));
  if (!peer || !trustedFronts(settings.trustedFronts).check(peer.address, peer.family)) return undefined;
  const forwarded = lastForwardedElement(request.headers.get("forwarded"));
  const proto = forwarded.proto ?? lastListEntry(request.headers.get("x-forwarded-proto"));
  const host = forwarded.host ?? lastListEntry(request.headers.get("x-forwarded-host"));
  if (proto === undefined && host === undefined) return undefined;
  const scheme = (proto ?? request.url.protocol.slice(0, -1)).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return undefined;
  const authority = host ?? request.url.host;
  // Only a bare host[:port] is taken: anything with a path, user info or spaces is not a host.
  if (!/^[a-z0-9.\-[\]:]+$/i.test(authority)) return undefined;
  try {
    return new URL(`${scheme}://${authority}`).origin;
  } catch {
    return undefined;
  }
}

const blockLists = new Map<string, BlockList>();

function trustedFronts(entries: string[]): BlockList {
  const key = entries.join(",");
  let list = blockLists.get(key);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      const [address, prefix] = entry.split("/");
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(prefix), family);
    }
    blockLists.set(key, list);
  }
  return list;
}

/** The last X-Forwarded-For entry: "203.0.113.7", "203.0.113.7:5123", "[2001:db8::1]:5123" or "::1". */
function connectingAddress(header: string | null): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const entry = lastListEntry(header);
  if (entry === undefined) return undefined;
  const candidates = [entry, entry.replace(/^\[(.*)\](:\d+)?$/, "$1"), entry.replace(/:\d+$/, "")];
  for (const candidate of candidates) {
    const version = isIP(candidate);
    if (version === 4) return { address: candidate, family: "ipv4" };
    if (version === 6) return { address: candidate, family: "ipv6" };
  }
  return undefined;
}

function lastListEntry(header: string | null): string | undefined {
  const entries = (header ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries[entries.length - 1];
}

/** proto and host of the last element of a Forwarded header: the one the nearest front added. */
function lastForwardedElement(header: string | null): { proto?: string; host?: string } {
  const element = lastListEntry(header);
  const out: { proto?: string; host?: string } = {};
  for (const pair of (element ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim().toLowerCase();
    const value = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (name === "proto") out.proto = value;
    if (name === "host") out.host = value;
  }
  return out;
}
