import { httpRoute } from "./routes";

httpRoute("health", {
  route: "health",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async () => ({ status: 200, jsonBody: { status: "ok" } }),
});
