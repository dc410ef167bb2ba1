/**
 * A Dev Center client made of the Azure SDK's own parts, as Microsoft's generated clients are
 * (@azure-rest/core-client's getClient with the bearer-token policy and a TokenCredential,
 * @azure/core-lro's createHttpPoller, @azure/core-paging's paged iterator, createRestError), over
 * HTTPS against the dev host. Nothing rewrites a URL: every link the service gives is followed as
 * it is. Every answer is recorded and must carry x-ms-request-id and the echoed client request id.
 */
import { readFileSync } from "node:fs";
import { createRestError, getClient, type Client, type PathUncheckedResponse } from "@azure-rest/core-client";
import type { TokenCredential } from "@azure/core-auth";
import { createHttpPoller, type OperationResponse, type OperationState } from "@azure/core-lro";
import { getPagedAsyncIterator } from "@azure/core-paging";
import { RestError, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { Contract } from "../../support/contract";
import { Stack } from "../../support/stack";

const API_VERSION = "2026-01-01-preview";
const ENV = "/projects/demo/users/me/environments/sdk-env";

interface Seen {
  request: PipelineRequest;
  response: PipelineResponse;
}

describe("a client built from the Azure SDK's core libraries", () => {
  let stack: Stack;
  let client: Client;
  let seen: Seen[];
  const contract = new Contract();

  beforeAll(async () => {
    stack = await Stack.start({
      settings: { RETRY_AFTER_SECONDS: "1" },
      definitions: {
        "secondary-a": {
          "environment.yaml": "name: secondary-a\nrunner: ARM\ntemplatePath: main.json\n",
          "main.json": "{}",
        },
        "secondary-b": {
          "environment.yaml": "name: secondary-b\nrunner: ARM\ntemplatePath: main.json\n",
          "main.json": "{}",
        },
      },
    });
    const token = await stack.token("alice");
    await stack.catalogSynced(token);
    const credential: TokenCredential = {
      getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
    };
    client = getClient(stack.secureUrl, credential, {
      credentials: { scopes: ["https://devcenter.azure.com/.default"] },
      apiVersion: API_VERSION,
      tlsOptions: { ca: readFileSync(stack.caCertFile, "utf8") },
    });
    seen = [];
    client.pipeline.addPolicy({
      name: "recordAnswers",
      sendRequest: async (request, next) => {
        const response = await next(request);
        seen.push({ request, response });
        return response;
      },
    });
  }, 90_000);
  afterAll(() => stack?.stop());

  afterEach(() => {
    // Every answer, errors included, is correlated as Azure clients expect.
    for (const { request, response } of seen) {
      expect({ url: request.url, id: response.headers.get("x-ms-request-id") }).toEqual({
        url: request.url,
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(response.headers.get("x-ms-client-request-id")).toBe(
        request.headers.get("x-ms-client-request-id"),
      );
    }
    seen.length = 0;
  });

  type Answer = PromiseLike<PathUncheckedResponse>;

  function get(path: string, query: Record<string, string | number> = {}): Answer {
    return client.pathUnchecked(path).get({ queryParameters: query });
  }

  function ok(response: PathUncheckedResponse): PathUncheckedResponse {
    if (!/^2/.test(response.status)) throw createRestError(response);
    return response;
  }

  /** Every item of a list, page by page through nextLink, as generated clients page. */
  async function all(first: Answer): Promise<{ items: unknown[]; pages: number }> {
    let pages = 0;
    let initial: Answer | undefined = first;
    const iterator = getPagedAsyncIterator<unknown, unknown[], object, string>({
      firstPageLink: "",
      getPage: async (link) => {
        const response = ok(await (initial ?? client.pathUnchecked(link).get()));
        initial = undefined;
        pages++;
        const body = response.body as { value: unknown[]; nextLink?: string };
        return { page: body.value, nextPageLink: body.nextLink };
      },
    });
    const items: unknown[] = [];
    for await (const item of iterator) items.push(item);
    return { items, pages };
  }

  function asOperationResponse(response: PathUncheckedResponse): OperationResponse {
    return {
      flatResponse: response,
      rawResponse: {
        statusCode: Number(response.status),
        headers: response.headers as Record<string, string>,
        request: { method: response.request.method, url: response.request.url },
        body: response.body,
      },
    };
  }

  /** The library's poller over a PUT or DELETE: polls Operation-Location, then (PUT) gets the environment. */
  function poller(start: () => Answer) {
    return createHttpPoller<PathUncheckedResponse, OperationState<PathUncheckedResponse>>(
      {
        sendInitialRequest: async () => asOperationResponse(ok(await start())),
        sendPollRequest: async (path) => asOperationResponse(await client.pathUnchecked(path).get()),
      },
      { resourceLocationConfig: "original-uri" },
    );
  }

  async function restError(response: Answer): Promise<RestError> {
    try {
      ok(await response);
    } catch (error) {
      if (error instanceof RestError) return error;
      throw error;
    }
    throw new Error("the call succeeded");
  }

  function checkContract(method: string, path: string, response: PathUncheckedResponse): void {
    const errors = contract.check(
      method,
      new URL(path, stack.secureUrl).pathname,
      Number(response.status),
      response.body,
    );
    expect({ route: `${method} ${path}`, errors }).toEqual({ route: `${method} ${path}`, errors: [] });
  }

  it("reads projects, catalogs, definitions and environment types, paging with the paginator", async () => {
    const projects = await all(get("/projects"));
    expect(projects.items).toContainEqual(expect.objectContaining({ name: "demo" }));
    checkContract("GET", "/projects/demo", ok(await get("/projects/demo")));

    const catalogs = await all(get("/projects/demo/catalogs"));
    expect(catalogs.items).toContainEqual(expect.objectContaining({ name: "samples" }));
    checkContract("GET", "/projects/demo/catalogs/samples", ok(await get("/projects/demo/catalogs/samples")));

    // Small pages: the paginator follows each nextLink the service gives.
    const byCatalog = await all(
      get("/projects/demo/catalogs/samples/environmentDefinitions", { maxpagesize: 1 }),
    );
    expect(byCatalog.pages).toBe(byCatalog.items.length);
    expect((byCatalog.items as { name: string }[]).map((d) => d.name).sort()).toEqual([
      "counter",
      "failing",
      "secondary-a",
      "secondary-b",
    ]);
    const nextLinks = seen.filter((s) => s.request.url.includes("skipToken"));
    expect(nextLinks.length).toBe(3);
    for (const { request } of nextLinks) {
      expect(request.url).toMatch(new RegExp(`^${stack.secureUrl}/.*api-version=${API_VERSION}`));
    }
    const byProject = await all(get("/projects/demo/environmentDefinitions", { maxpagesize: 3 }));
    expect(byProject).toMatchObject({ pages: 2, items: expect.arrayContaining([expect.anything()]) });
    const definition = ok(await get("/projects/demo/catalogs/samples/environmentDefinitions/counter"));
    checkContract("GET", "/projects/demo/catalogs/samples/environmentDefinitions/counter", definition);

    const types = await all(get("/projects/demo/environmentTypes"));
    expect(types.items).toContainEqual(expect.objectContaining({ name: "Dev", status: "Enabled" }));
    checkContract(
      "GET",
      "/projects/demo/environmentTypes/Dev",
      ok(await get("/projects/demo/environmentTypes/Dev")),
    );
  });

  it("creates an environment with the poller, uses every environment route, and deletes it with the poller", async () => {
    const created = poller(() =>
      client.pathUnchecked(ENV).put({
        body: {
          environmentType: "Dev",
          catalogName: "samples",
          environmentDefinitionName: "counter",
          parameters: { step: 5 },
          expirationDate: new Date(Date.now() + 3600_000).toISOString(),
        },
      }),
    );
    const environment = ok(await created.pollUntilDone());
    expect(environment.body).toMatchObject({ name: "sdk-env", provisioningState: "Succeeded" });
    checkContract("GET", ENV, environment);
    const accepted = seen.find((s) => s.request.method === "PUT")!.response;
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get("retry-after")).toBe("1");
    expect(accepted.headers.get("operation-location")).toMatch(
      new RegExp(
        `^${stack.secureUrl}/projects/demo/operationstatuses/[0-9a-f-]{36}\\?api-version=${API_VERSION}$`,
      ),
    );
    const statusPolls = seen.filter((s) => s.request.url.includes("/operationstatuses/"));
    expect(statusPolls.length).toBeGreaterThan(0);
    for (const { response } of statusPolls) {
      const running = (response.bodyAsText ?? "").includes('"Running"');
      expect(response.headers.get("retry-after")).toBe(running ? "1" : undefined);
    }

    expect((await all(get("/projects/demo/users/me/environments"))).items).toContainEqual(
      expect.objectContaining({ name: "sdk-env" }),
    );
    expect((await all(get("/projects/demo/environments"))).items).toContainEqual(
      expect.objectContaining({ name: "sdk-env" }),
    );
    const outputs = ok(await get(`${ENV}/outputs`));
    expect(outputs.body).toMatchObject({ outputs: { count: { value: 5 } } });
    checkContract("GET", `${ENV}/outputs`, outputs);

    const operations = await all(get(`${ENV}/operations`));
    const [deploy] = operations.items as { operationId: string; kind: string }[];
    expect(deploy.kind).toBe("Deploy");
    checkContract(
      "GET",
      `${ENV}/operations/${deploy.operationId}`,
      ok(await get(`${ENV}/operations/${deploy.operationId}`)),
    );
    const logs = ok(await get(`${ENV}/operations/${deploy.operationId}/logs`));
    expect(logs.headers["content-type"]).toMatch(/^text\/plain/);
    expect(String(logs.body)).toContain("count");

    const actions = await all(get(`${ENV}/actions`));
    expect(actions.items).toEqual([expect.objectContaining({ name: "expire", actionType: "Delete" })]);
    checkContract("GET", `${ENV}/actions/expire`, ok(await get(`${ENV}/actions/expire`)));
    const until = new Date(Date.now() + 7200_000).toISOString();
    const delayed = ok(
      await client.pathUnchecked(`${ENV}/actions/expire:delay`).post({ queryParameters: { until } }),
    );
    expect(delayed.body).toMatchObject({ next: { scheduledTime: until } });
    const patched = ok(
      await client.pathUnchecked(ENV).patch({
        contentType: "application/merge-patch+json",
        body: { expirationDate: until },
      }),
    );
    checkContract("PATCH", ENV, patched);
    expect(ok(await client.pathUnchecked(`${ENV}/actions/expire:skip`).post()).status).toBe("204");

    const deleted = poller(() => client.pathUnchecked(ENV).delete());
    await deleted.pollUntilDone();
    const deleteAnswer = seen.find((s) => s.request.method === "DELETE")!.response;
    expect(deleteAnswer.status).toBe(202);
    expect(deleteAnswer.headers.get("retry-after")).toBe("1");
    const gone = await restError(get(ENV));
    expect(gone).toMatchObject({ statusCode: 404, code: "EnvironmentNotFound" });
  }, 120_000);

  it("a failed deployment fails the poller with the operation's error", async () => {
    const failing = poller(() =>
      client.pathUnchecked("/projects/demo/users/me/environments/sdk-failing").put({
        body: { environmentType: "Dev", catalogName: "samples", environmentDefinitionName: "failing" },
      }),
    );
    await expect(failing.pollUntilDone()).rejects.toThrow(/DeploymentError/);
  }, 120_000);

  it("reads every error as a RestError with its code", async () => {
    expect(await restError(get("/projects/nowhere"))).toMatchObject({
      statusCode: 404,
      code: "ProjectNotFound",
    });
    expect(await restError(get("/projects/demo/catalogItems"))).toMatchObject({
      statusCode: 404,
      code: "NotFound",
    });
    expect(await restError(client.pathUnchecked("/projects/demo").delete())).toMatchObject({
      statusCode: 405,
      code: "MethodNotAllowed",
    });
    expect(await restError(get("/projects", { "api-version": "2022-03-01-preview" }))).toMatchObject({
      statusCode: 400,
      code: "UnsupportedApiVersion",
      message: expect.stringContaining("2023-04-01"),
    });
    expect(await restError(get("/projects/demo/catalogs/a%2Fb"))).toMatchObject({
      statusCode: 400,
      code: "InvalidName",
    });
    // Dot segments, plain or encoded, are resolved before routing: what is left matches no route.
    for (const path of ["/projects/demo/../../nothing/here", "/projects/demo/%2e%2e/%2e%2e/nothing/here"]) {
      expect(await restError(get(path))).toMatchObject({ statusCode: 404, code: "NotFound" });
    }
    const big = client.pathUnchecked("/projects").get({ headers: { "x-padding": "x".repeat(40_000) } });
    expect(await restError(big)).toMatchObject({ statusCode: 431, code: "RequestHeaderFieldsTooLarge" });
    // The oversized request's answer comes from the host's parser: no request id to check there.
    seen.length = 0;
  });
});
