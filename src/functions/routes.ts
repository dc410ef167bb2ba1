/**
 * HTTP registrations that are remembered: the catch-all (./unmatched.ts) tells a path no route has
 * (404) from a method a route does not take (405) by looking at them.
 */
import { app, type HttpFunctionOptions, type HttpMethod } from "@azure/functions";
import * as df from "durable-functions";
import type { RouteSummary } from "../api/unmatched";

const routes: RouteSummary[] = [];

function remember(route: string | undefined, name: string, methods: HttpMethod[] | undefined): void {
  routes.push({ route: route ?? name, methods: methods ?? ["GET", "POST"] });
}

export function httpRoute(name: string, options: HttpFunctionOptions): void {
  remember(options.route, name, options.methods);
  app.http(name, options);
}

export function durableHttpRoute(name: string, options: df.HttpDurableClientOptions): void {
  remember(options.route, name, options.methods);
  df.app.client.http(name, options);
}

export function registeredRoutes(): readonly RouteSummary[] {
  return routes;
}
