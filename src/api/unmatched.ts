/**
 * The answer to a request no route takes: 404 NotFound, or 405 MethodNotAllowed (with Allow) when a
 * route has the path but not the method, in the contract's error shape like every other answer.
 * The catch-all registration (src/functions/unmatched.ts) hands it the app's routes.
 */
import { ApiError, type ApiRequest, type ApiResponse } from "./http";
import { respond } from "./pipeline";
import type { ApiBaseDeps } from "./ports";

export interface RouteSummary {
  /** A Functions route template: literal segments, {name} and {*rest}. */
  route: string;
  methods: string[];
}

/** Whether a route template takes the path (literals without regard to case, as the hosts match them). */
export function routeMatches(template: string, pathname: string): boolean {
  const segments = pathname.split("/").filter(Boolean);
  const parts = template.split("/").filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (/^\{\*/.test(part)) return true;
    const segment = segments[i];
    if (segment === undefined) return false;
    if (/^\{[^}]+\}$/.test(part)) continue;
    if (part.includes("{")) {
      const pattern = part.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
      if (!new RegExp(`^${pattern}$`, "i").test(segment)) return false;
    } else if (part.toLowerCase() !== segment.toLowerCase()) return false;
  }
  return segments.length === parts.length;
}

export function answerUnmatched(
  request: ApiRequest,
  deps: ApiBaseDeps,
  routes: readonly RouteSummary[],
): Promise<ApiResponse> {
  return respond(request, deps, async ({ method, url }) => {
    const path = url.pathname.length > 200 ? `${url.pathname.slice(0, 200)}…` : url.pathname;
    const allowed = new Set(
      routes.filter((r) => routeMatches(r.route, url.pathname)).flatMap((r) => r.methods),
    );
    // A route the host did not give the request to (a constraint refused a value) is no route either.
    if (allowed.size === 0 || allowed.has(method))
      throw new ApiError(404, "NotFound", `No route of this service matches ${path}.`);
    const allow = [...allowed].sort().join(", ");
    throw new ApiError(405, "MethodNotAllowed", `${method} is not allowed on ${path}; allowed: ${allow}.`, {
      headers: { allow },
    });
  });
}
