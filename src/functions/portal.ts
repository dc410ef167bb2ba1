/** The developer portal (src/portal): its bundle and config document under /portal. */
import path from "node:path";
import { app } from "@azure/functions";
import { getConfig } from "../config";
import { createPortalSite, portalSignIn } from "../portal/site";

// Compiled, this file is dist/src/functions/portal.js; the build puts the bundle in dist/static/portal.
const site = createPortalSite(path.resolve(__dirname, "../../static/portal"), portalSignIn(getConfig()));

app.http("portal", {
  route: "portal/{*path}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (request) => {
    const reply = await site(new URL(request.url).pathname, request.params.path);
    return { status: reply.status, headers: reply.headers, body: reply.body };
  },
});
