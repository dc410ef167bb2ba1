/**
 * The admin endpoints of the Functions host that local tooling uses:
 * GET /admin/host/status, GET /admin/functions, and POST /admin/functions/{name} to run a timer
 * function now (as Core Tools allows for non-HTTP functions).
 */
import type { FunctionsWorker } from "./functions-worker";
import { HttpHandler, jsonReply, textReply } from "./http-server";
import type { TimerTriggers } from "./timers";

export function adminHandler(worker: FunctionsWorker, timers: TimerTriggers, taskHub: string): HttpHandler {
  return async (request) => {
    const path = request.url.pathname.replace(/\/+$/, "").toLowerCase();
    if (!path.startsWith("/admin/")) return undefined;
    if (path === "/admin/host/status" && request.method === "GET") {
      return jsonReply(200, { state: "Running", taskHub, functionCount: worker.functions.length });
    }
    if (path === "/admin/functions" && request.method === "GET") {
      return jsonReply(
        200,
        worker.functions.map((fn) => ({ name: fn.name, trigger: fn.trigger.type })),
      );
    }
    const match = /^\/admin\/functions\/([^/]+)$/.exec(path);
    if (match && request.method === "POST") {
      const name = decodeURIComponent(match[1]);
      if (!timers.has(name))
        return textReply(400, `'${name}' is not a timer function; only those can be run here`);
      await timers.runNow(name);
      return { status: 202 };
    }
    return textReply(404, "Not Found");
  };
}
