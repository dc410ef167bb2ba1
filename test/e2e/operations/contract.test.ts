/**
 * Every data-plane route's answers, checked against the contract's response schemas
 * (docs/contract): what existing Dev Center clients parse is what we send.
 */
import { Contract } from "../../support/contract";
import { Stack, type Reply } from "../../support/stack";

describe("responses conform to the Dev Center contract", () => {
  let stack: Stack;
  let alice: string;
  const contract = new Contract();

  beforeAll(async () => {
    stack = await Stack.start();
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  /** Calls the route and checks the answer's status and body against the contract. */
  async function conforming(
    method: string,
    pathname: string,
    status: number,
    body?: unknown,
  ): Promise<Reply> {
    const reply = await stack.request(method, pathname, alice, body);
    expect({ route: `${method} ${pathname}`, status: reply.status }).toEqual({
      route: `${method} ${pathname}`,
      status,
    });
    const parsed = reply.headers.get("content-type")?.includes("json") ? reply.body : reply.text;
    const route = new URL(pathname, stack.url).pathname;
    expect({ route: `${method} ${route}`, errors: contract.check(method, route, status, parsed) }).toEqual({
      route: `${method} ${route}`,
      errors: [],
    });
    return reply;
  }

  it("the check itself rejects what the contract forbids", () => {
    expect(contract.check("GET", "/projects/demo", 200, { name: "demo" })).toEqual([
      "#/definitions/Project: must have required property 'uri'",
    ]);
    expect(
      contract.check("GET", "/projects/demo/operationstatuses/x", 200, {
        id: "/projects/demo/operationstatuses/x",
        name: "5b0e5f4e-2b8e-4a4e-9d0e-0f6d4b1e3c2a",
        status: 42,
      }),
    ).toEqual(["#/definitions/OperationStatus/status: must be string"]);
    expect(contract.check("GET", "/projects/demo", 404, { message: "no" })).not.toEqual([]);
  });

  it("projects, catalogs, definitions and environment types", async () => {
    await conforming("GET", "/projects", 200);
    await conforming("GET", "/projects/demo", 200);
    await conforming("GET", "/projects/demo/catalogs", 200);
    await conforming("GET", "/projects/demo/catalogs/samples", 200);
    await conforming("GET", "/projects/demo/catalogs/samples/environmentDefinitions", 200);
    await conforming("GET", "/projects/demo/catalogs/samples/environmentDefinitions/counter", 200);
    await conforming("GET", "/projects/demo/environmentDefinitions", 200);
    await conforming("GET", "/projects/demo/environmentTypes", 200);
    await conforming("GET", "/projects/demo/environmentTypes/Dev", 200);
    await conforming("GET", "/projects/nowhere", 404);
  });

  it("an environment's whole life", async () => {
    const env = "/projects/demo/users/me/environments/contract-env";
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const created = await conforming("PUT", env, 201, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "counter",
      parameters: { step: 3 },
      expirationDate: expiration,
    });
    const location = new URL(created.headers.get("operation-location") as string);
    await conforming("GET", location.pathname, 200);
    const status = await stack.finished(location.href, alice);
    expect(status.status).toBe("Succeeded");

    await conforming("GET", env, 200);
    await conforming("GET", "/projects/demo/environments", 200);
    await conforming("GET", "/projects/demo/users/me/environments", 200);
    await conforming("GET", `${env}/outputs`, 200);
    await conforming("GET", `${env}/operations`, 200);
    await conforming("GET", `${env}/operations/${status.name as string}`, 200);
    await conforming("GET", `${env}/operations/${status.name as string}/logs`, 200);
    await conforming("GET", `${env}/actions`, 200);
    await conforming("GET", `${env}/actions/expire`, 200);
    const later = encodeURIComponent(new Date(Date.now() + 7200_000).toISOString());
    await conforming("POST", `${env}/actions/expire:delay?until=${later}`, 200);
    await conforming("PATCH", env, 200, { expirationDate: expiration });
    await conforming("POST", `${env}/actions/expire:skip`, 204);
    await conforming("PUT", env, 400, { environmentType: "Dev" });

    const deleted = await conforming("DELETE", env, 202);
    expect(await stack.finished(deleted.headers.get("operation-location") as string, alice)).toMatchObject({
      status: "Succeeded",
    });
    await conforming("GET", env, 404);
    await conforming("DELETE", env, 204);
  });
});
