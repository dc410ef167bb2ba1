/**
 * HTTP registrations that are remembered: the catch-all (./unmatched.ts) tells a path no route has
 * (404) from a method a route does not take (405) by looking at them. Routes with a durable client
 * share one client while the host hands them the same binding data.
 */
import { app, type HttpFunctionOptions, type HttpMethod, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { RouteSummary } from "../api/unmatched";

// Response bodies go out as they are produced (operation logs of any size), not gathered in memory
// first; needs Functions host 4.28 or later (the library checks).
app.setup({ enableHttpStream: true });

const routes: RouteSummary[] = [];

function remember(route: string | undefined, name: string, methods: HttpMethod[] | undefined): void {
  routes.push({ route: route ?? name, methods: methods ?? ["GET", "POST"] });
}

export function httpRoute(name: string, options: HttpFunctionOptions): void {
  remember(options.route, name, options.methods);
  app.http(name, options);
}

const clientInput = df.input.durableClient();

export function durableHttpRoute(name: string, options: df.HttpDurableClientOptions): void {
  remember(options.route, name, options.methods);
  const { handler, ...http } = options;
  app.http(name, {
    ...http,
    extraInputs: [...(http.extraInputs ?? []), clientInput],
    handler: (request, context) => handler(request, durableClient(context), context),
  });
}

let reused: { data: string; client: df.DurableClient } | undefined;

/**
 * The durable client of an invocation. The host passes every invocation the same binding data (task
 * hub, management URLs), so the client made from it is kept and made again only when the data
 * change (a rotated system key), instead of one per request (URL checks, deep copies, an axios
 * instance each time).
 */
export function durableClient(context: InvocationContext): df.DurableClient {
  const input = context.options.extraInputs.find((candidate) => candidate.type === clientInput.type);
  const data = JSON.stringify(input && context.extraInputs.get(input));
  if (reused?.data !== data) reused = { data, client: df.getClient(context) };
  return reused.client;
}

export function registeredRoutes(): readonly RouteSummary[] {
  return routes;
}
