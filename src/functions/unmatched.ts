/**
 * The catch-all route: what no other route takes gets the contract's JSON error (404, or 405 with
 * Allow) from the app, so the Azure host and the dev host answer alike. Both try routes by ASP.NET's
 * precedence, where a catch-all comes last. The host's own /admin and /runtime/webhooks endpoints
 * are left out by the constraint: with an empty routePrefix a catch-all would otherwise take them.
 */
import { app, type HttpMethod } from "@azure/functions";
import { fromHttpRequest, toHttpResponse } from "../api/host";
import { answerUnmatched } from "../api/unmatched";
import { getAppContext } from "../app-context";
import { registeredRoutes } from "./routes";

const context = getAppContext();

const EVERY_METHOD: HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

// Registered with app.http, not httpRoute: it is not one of the routes it compares with.
app.http("unmatchedRoute", {
  route: "{*path:regex(^(?!(admin|runtime)\\b))}",
  methods: EVERY_METHOD,
  authLevel: "anonymous",
  handler: async (request, invocation) =>
    toHttpResponse(
      await answerUnmatched(await fromHttpRequest(request), context.api(invocation), registeredRoutes()),
    ),
});
