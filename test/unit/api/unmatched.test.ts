/** The catch-all's answers: 404 for a path no route has, 405 with Allow for a method a route lacks. */
import { answerUnmatched, routeMatches, type RouteSummary } from "../../../src/api/unmatched";

const ROUTES: RouteSummary[] = [
  { route: "projects/{projectName}", methods: ["GET"] },
  { route: "projects/{projectName}/users/{userId}/environments/{environmentName}", methods: ["GET", "PUT"] },
  { route: "projects/{projectName}/users/{userId}/environments/{environmentName}", methods: ["DELETE"] },
  { route: "management/catalogs/{catalogAction}", methods: ["POST"] },
  { route: "files/{name}.{ext}", methods: ["GET"] },
];

const deps = { verifier: { verify: () => Promise.reject(new Error("the catch-all checks no token")) } };

function answer(method: string, path: string) {
  return answerUnmatched(
    { method, url: new URL(`https://h${path}`), headers: new Headers(), params: {} },
    deps,
    ROUTES,
  );
}

describe("unmatched routes", () => {
  it("matches templates as the hosts do: literals without case, one segment per parameter", () => {
    expect(routeMatches("projects/{projectName}", "/Projects/demo")).toBe(true);
    expect(routeMatches("projects/{projectName}", "/projects/demo/extra")).toBe(false);
    expect(routeMatches("projects/{projectName}", "/projects")).toBe(false);
    expect(routeMatches("files/{name}.{ext}", "/files/a.txt")).toBe(true);
    expect(routeMatches("files/{name}.{ext}", "/files/atxt")).toBe(false);
    expect(routeMatches("runner/{*rest}", "/runner/a/b/c")).toBe(true);
  });

  it("answers 404 NotFound in the contract's error shape for a path no route has", async () => {
    const reply = await answer("GET", "/projects/demo/catalogItems");
    expect(reply).toMatchObject({
      status: 404,
      headers: {
        "content-type": "application/json",
        "x-ms-error-code": "NotFound",
        "x-ms-request-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
      body: {
        error: { code: "NotFound", message: "No route of this service matches /projects/demo/catalogItems." },
      },
    });
  });

  it("answers 405 MethodNotAllowed with every method the path's routes take", async () => {
    const reply = await answer("POST", "/projects/demo/users/me/environments/env-1");
    expect(reply).toMatchObject({
      status: 405,
      headers: { allow: "DELETE, GET, PUT", "x-ms-error-code": "MethodNotAllowed" },
      body: { error: { code: "MethodNotAllowed" } },
    });
    // A method the route takes got here only because the host refused a value: no route, then.
    expect((await answer("GET", "/projects/demo")).status).toBe(404);
  });
});
