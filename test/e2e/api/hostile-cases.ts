/**
 * The requests of the hostile-input test (hostile.test.ts), each with the status and error code it
 * must get, and the raw HTTP that sends them exactly as written.
 */
import { request as httpRequest } from "node:http";
import { issueLocalToken, localObjectId, type LocalSigningKey } from "../../../dev/token";
import { API_VERSION } from "../../support/stack";

export interface Case {
  what: string;
  method: string;
  /** Sent as is: no normalization of dots or escapes. */
  path: string;
  token?: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  /** The error code; undefined for the dev host's plain-text answers of its Event Grid webhook. */
  code: string | undefined;
}

/** Adds a case sent with `token` to `cases`: what it is, the request, the status and code it must get. */
export function caseAdder(cases: Case[], token: string) {
  return (
    what: string,
    method: string,
    route: string,
    status: number,
    code: string,
    extra: Partial<Case> = {},
  ) => cases.push({ what, method, path: route, token, status, code, ...extra });
}

export interface Answer {
  status: number;
  code?: string;
}

const V = `api-version=${API_VERSION}`;
export const DEMO = "/projects/demo";
const PRIVATE = "/projects/private";
export const MINE = `${DEMO}/users/me/environments`;
export const GOOD_BODY = JSON.stringify({
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: "counter",
  parameters: { step: 1 },
});
const OPERATION = "0b7b3c0e-3f7e-4a53-9a43-7f1f5f0e8a11";

/** Raw HTTP, so paths reach the host exactly as written (fetch would resolve `..` and escapes). */
export function send(base: URL, c: Case): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...c.headers };
    if (c.token !== undefined) headers.authorization = c.token;
    if (c.body !== undefined) {
      headers["content-type"] = c.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(c.body));
    }
    const req = httpRequest(
      { host: base.hostname, port: base.port, method: c.method, path: c.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code: code ?? res.headers["x-ms-error-code"]?.toString() });
        });
      },
    );
    req.on("error", reject);
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
}

/** A JWT with its payload changed and the signature kept: signed by nobody. */
function forged(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

function unsigned(token: string): string {
  const [, payload] = token.split(".");
  const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  return `${header}.${payload}.`;
}

export interface Targets {
  alice: string;
  bob: string;
  /** The operation that made alice's environment `alice-env` in the project demo. */
  aliceOperation: string;
  key: LocalSigningKey;
  /** The dev host's key for its webhooks, Durable management API and admin endpoints. */
  masterKey: string;
}

/** Every hostile request, against alice's environment `alice-env` and the project `private` (alice's only). */
export async function hostileCases({ alice, bob, aliceOperation, key, masterKey }: Targets): Promise<Case[]> {
  const aliceId = localObjectId("alice");
  const ALICE_ENV = `${DEMO}/users/${aliceId}/environments/alice-env`;

  const now = Math.floor(Date.now() / 1000);
  const badTokens: [string, string][] = [
    ["no token", ""],
    ["not a bearer token", "Basic YWxpY2U6c2VjcmV0"],
    ["garbage", "Bearer not.a.jwt"],
    ["empty bearer", "Bearer "],
    ["forged oid", `Bearer ${forged(alice, (c) => (c.oid = localObjectId("mallory")))}`],
    ["forged admin role", `Bearer ${forged(bob, (c) => (c.roles = ["DevCenter.Admin"]))}`],
    ["alg none", `Bearer ${unsigned(alice)}`],
    [
      "expired",
      `Bearer ${await issueLocalToken(key, { user: "alice", issuedAt: now - 7200, lifetime: 600 })}`,
    ],
    ["not yet valid", `Bearer ${await issueLocalToken(key, { user: "alice", issuedAt: now + 3600 })}`],
    [
      "other audience",
      `Bearer ${await issueLocalToken(key, { user: "alice", audience: "api://someone-else" })}`,
    ],
    [
      "other issuer",
      `Bearer ${await issueLocalToken(key, { user: "alice", issuer: "https://evil.example/" })}`,
    ],
  ];
  const authRoutes: [string, string, string?][] = [
    ["GET", `/projects?${V}`],
    ["GET", `${DEMO}?${V}`],
    ["GET", `${DEMO}/catalogs?${V}`],
    ["GET", `${DEMO}/catalogs/samples?${V}`],
    ["GET", `${DEMO}/catalogs/samples/environmentDefinitions?${V}`],
    ["GET", `${DEMO}/catalogs/samples/environmentDefinitions/counter?${V}`],
    ["GET", `${DEMO}/environmentDefinitions?${V}`],
    ["GET", `${DEMO}/environmentTypes?${V}`],
    ["GET", `${DEMO}/environmentTypes/Dev?${V}`],
    ["GET", `${DEMO}/environments?${V}`],
    ["GET", `${DEMO}/users/me/environments?${V}`],
    ["GET", `${ALICE_ENV}?${V}`],
    ["PUT", `${MINE}/forged-env?${V}`, GOOD_BODY],
    ["PATCH", `${ALICE_ENV}?${V}`, JSON.stringify({ expirationDate: null })],
    ["DELETE", `${ALICE_ENV}?${V}`],
    ["GET", `${ALICE_ENV}/outputs?${V}`],
    ["GET", `${ALICE_ENV}/operations?${V}`],
    ["GET", `${ALICE_ENV}/operations/${aliceOperation}?${V}`],
    ["POST", `${ALICE_ENV}/operations/${aliceOperation}:cancel?${V}`],
    ["GET", `${ALICE_ENV}/operations/${aliceOperation}/logs?${V}`],
    ["GET", `${DEMO}/operationstatuses/${aliceOperation}?${V}`],
    ["POST", `/management/catalogs/sync?${V}`],
  ];

  const cases: Case[] = [];
  for (const [what, token] of badTokens) {
    for (const [method, route, body] of authRoutes) {
      cases.push({
        what: `${what}: ${method} ${route}`,
        method,
        path: route,
        ...(token && { token }),
        ...(body !== undefined && { body }),
        status: 401,
        code: "Unauthorized",
      });
    }
  }

  const asBob = `Bearer ${bob}`;
  const add = caseAdder(cases, asBob);

  // api-version
  for (const [what, query] of [
    ["missing", ""],
    ["empty", "?api-version="],
    ["unknown", "?api-version=2099-01-01"],
    ["older than the routes", "?api-version=2022-11-11-preview"],
    ["not a date", "?api-version=latest"],
    ["fullwidth digits", `?api-version=${encodeURIComponent("２０２６-01-01-preview")}`],
    ["huge", `?api-version=${"9".repeat(4000)}`],
    ["injection", `?api-version=${encodeURIComponent("2026-01-01-preview'; DROP TABLE environments;--")}`],
  ] as const) {
    const code =
      what === "missing" || what === "empty" ? "MissingApiVersionParameter" : "UnsupportedApiVersion";
    add(`api-version ${what}: list projects`, "GET", `/projects${query}`, 400, code);
    add(`api-version ${what}: PUT`, "PUT", `${MINE}/version-env${query}`, 400, code, { body: GOOD_BODY });
  }

  // Names: odd, huge, traversal, unicode. A name the rule refuses is a 400 on every route.
  const badNames: [string, string][] = [
    ["too short", "ab"],
    ["64 characters", "a".repeat(64)],
    ["1000 characters", "b".repeat(1000)],
    ["leading dash", "-abc"],
    ["leading dot", ".abc"],
    ["space", "ab%20c"],
    ["nul byte", "abc%00"],
    ["encoded slash", "..%2F..%2Fetc"],
    ["encoded backslash", "abc%5C..%5Cx"],
    ["percent dots", "%2e%2e%2e"],
    ["quote", "abc%22%3E%3Cscript%3E"],
    ["hash", "abc%23x"],
    ["accented", encodeURIComponent("café")],
    ["cyrillic look-alike", encodeURIComponent("саse-env")],
    ["fullwidth", encodeURIComponent("ａｂｃ")],
    ["zero-width space", encodeURIComponent("ab\u200bc")],
    ["right-to-left override", encodeURIComponent("abc\u202Eexe")],
    ["emoji", encodeURIComponent("env-🔥")],
    ["colon", "abc%3Ax"],
    ["asterisk", "abc*"],
  ];
  for (const [what, name] of badNames) {
    add(`environment name ${what}: GET`, "GET", `${MINE}/${name}?${V}`, 400, "InvalidName");
    add(`environment name ${what}: PUT`, "PUT", `${MINE}/${name}?${V}`, 400, "InvalidName", {
      body: GOOD_BODY,
    });
    add(`environment name ${what}: DELETE`, "DELETE", `${MINE}/${name}?${V}`, 400, "InvalidName");
    add(`project name ${what}: GET`, "GET", `/projects/${name}?${V}`, 400, "InvalidName");
  }
  for (const traversal of ["..", "../..", "%2e%2e/%2e%2e", "./demo/../../etc/passwd"]) {
    add(`traversal ${traversal}: project`, "GET", `/projects/${traversal}?${V}`, 404, "NotFound");
  }

  // Ids
  for (const id of ["not-a-uuid", "0b7b3c0e-3f7e-4a53-9a43", `${OPERATION}x`, "%7Bid%7D", "%00"]) {
    add(`operation id ${id}`, "GET", `${DEMO}/operationstatuses/${id}?${V}`, 400, "InvalidOperationId");
  }
  for (const user of ["not-a-uuid", "ME%20", "00000000-0000-0000-0000-00000000000g"]) {
    add(`user id ${user}`, "GET", `${DEMO}/users/${user}/environments?${V}`, 400, "InvalidUserId");
  }
  add("unknown operation", "GET", `${DEMO}/operationstatuses/${OPERATION}?${V}`, 404, "OperationNotFound");
  add("unknown project", "GET", `/projects/nowhere?${V}`, 404, "ProjectNotFound");
  add("unknown catalog", "GET", `${DEMO}/catalogs/nowhere?${V}`, 404, "CatalogNotFound");
  add(
    "unknown definition",
    "GET",
    `${DEMO}/catalogs/samples/environmentDefinitions/nowhere?${V}`,
    404,
    "EnvironmentDefinitionNotFound",
  );
  add(
    "unknown environment type",
    "GET",
    `${DEMO}/environmentTypes/Prod?${V}`,
    404,
    "EnvironmentTypeNotFound",
  );
  add("unknown environment", "GET", `${MINE}/nowhere?${V}`, 404, "EnvironmentNotFound");
  add("unknown action", "GET", `${MINE}/alice-env/actions/nowhere?${V}`, 404, "EnvironmentNotFound");

  // Methods no route takes
  for (const [method, route] of [
    ["POST", `/projects?${V}`],
    ["DELETE", `${DEMO}?${V}`],
    ["PUT", `${DEMO}/environments?${V}`],
    ["POST", `${MINE}/alice-env?${V}`],
    ["PATCH", `${DEMO}/operationstatuses/${aliceOperation}?${V}`],
    ["DELETE", `${DEMO}/catalogs/samples?${V}`],
    ["PUT", `${MINE}/alice-env/operations/${aliceOperation}?${V}`],
    ["GET", `/management/catalogs/sync?${V}`],
  ] as const) {
    add(`method ${method} ${route}`, method, route, 405, "MethodNotAllowed");
  }

  // Another user's and another project's things
  add("bob reads alice's environment", "GET", `${ALICE_ENV}?${V}`, 403, "Forbidden");
  add("bob deletes alice's environment", "DELETE", `${ALICE_ENV}?${V}`, 403, "Forbidden");
  add("bob replaces alice's environment", "PUT", `${ALICE_ENV}?${V}`, 403, "Forbidden", {
    body: GOOD_BODY,
  });
  add("bob patches alice's environment", "PATCH", `${ALICE_ENV}?${V}`, 403, "Forbidden", {
    body: "{}",
    contentType: "application/merge-patch+json",
  });
  add("bob reads alice's outputs", "GET", `${ALICE_ENV}/outputs?${V}`, 403, "Forbidden");
  add("bob reads alice's operations", "GET", `${ALICE_ENV}/operations?${V}`, 403, "Forbidden");
  add(
    "bob reads alice's logs",
    "GET",
    `${ALICE_ENV}/operations/${aliceOperation}/logs?${V}`,
    403,
    "Forbidden",
  );
  add(
    "bob cancels alice's operation",
    "POST",
    `${ALICE_ENV}/operations/${aliceOperation}:cancel?${V}`,
    403,
    "Forbidden",
  );
  add(
    "bob reads alice's operation status",
    "GET",
    `${DEMO}/operationstatuses/${aliceOperation}?${V}`,
    404,
    "OperationNotFound",
  );
  add(
    "bob reads alice's environment as his own",
    "GET",
    `${MINE}/alice-env?${V}`,
    404,
    "EnvironmentNotFound",
  );
  add("bob takes alice's name", "PUT", `${MINE}/alice-env?${V}`, 409, "EnvironmentAlreadyExists", {
    body: GOOD_BODY,
  });
  add(
    "bob takes alice's name in upper case",
    "PUT",
    `${MINE}/ALICE-ENV?${V}`,
    409,
    "EnvironmentAlreadyExists",
    { body: GOOD_BODY },
  );
  add(
    "bob takes alice's name in mixed case",
    "PUT",
    `${MINE}/Alice-Env?${V}`,
    409,
    "EnvironmentAlreadyExists",
    { body: GOOD_BODY },
  );
  add("bob requests a catalog sync", "POST", `/management/catalogs/sync?${V}`, 403, "Forbidden");
  add(
    "bob requests a project's catalog sync",
    "POST",
    `/management/projects/demo/catalogs/sync?${V}`,
    403,
    "Forbidden",
  );
  for (const [method, route] of [
    ["GET", `${PRIVATE}?${V}`],
    ["GET", `${PRIVATE}/catalogs?${V}`],
    ["GET", `${PRIVATE}/environmentDefinitions?${V}`],
    ["GET", `${PRIVATE}/environmentTypes?${V}`],
    ["GET", `${PRIVATE}/environments?${V}`],
    ["GET", `${PRIVATE}/users/me/environments?${V}`],
    ["PUT", `${PRIVATE}/users/me/environments/sneaky?${V}`],
    ["GET", `${PRIVATE}/operationstatuses/${aliceOperation}?${V}`],
  ] as const) {
    add(
      `bob in alice's project: ${method} ${route}`,
      method,
      route,
      403,
      "Forbidden",
      method === "PUT" ? { body: GOOD_BODY } : {},
    );
  }

  // The host's own endpoints: no key or a wrong one is a 401; with the key, a bad event is a 400.
  const webhook = "/runtime/webhooks/EventGrid?functionName=catalogSync";
  const keyed: [string, string, string?][] = [
    ["POST", webhook, "[]"],
    ["GET", "/runtime/webhooks/durabletask/instances"],
    ["GET", `/runtime/webhooks/durabletask/instances/${aliceOperation}`],
    ["POST", `/runtime/webhooks/durabletask/instances/${aliceOperation}/terminate?reason=hostile`],
    ["POST", `/runtime/webhooks/durabletask/instances/${aliceOperation}/raiseEvent/CancelRequested`, "{}"],
    ["POST", "/admin/functions/environmentExpiry", "{}"],
    ["POST", "/admin/functions/catalogSyncTimer", "{}"],
  ];
  for (const [method, route, body] of keyed) {
    const join = route.includes("?") ? "&" : "?";
    for (const [what, query, header] of [
      ["no key", "", undefined],
      ["wrong key", `${join}code=${"A".repeat(43)}`, undefined],
      ["wrong key header", "", "not-the-key"],
      [
        "the key in another case",
        `${join}code=${masterKey.toUpperCase() === masterKey ? masterKey.toLowerCase() : masterKey.toUpperCase()}`,
        undefined,
      ],
    ] as const) {
      cases.push({
        what: `${what}: ${method} ${route}`,
        method,
        path: `${route}${query}`,
        ...(header && { headers: { "x-functions-key": header } }),
        ...(body !== undefined && { body }),
        status: 401,
        code: "Unauthorized",
      });
    }
  }
  const withKey = `${webhook}&code=${encodeURIComponent(masterKey)}`;
  const event = {
    id: "hostile-1",
    subject: "catalogs/samples",
    eventType: "DevCenter.CatalogSyncRequested",
    eventTime: new Date().toISOString(),
    data: {},
    dataVersion: "1",
  };
  for (const [what, body] of [
    ["not JSON", "{"],
    ["a string", '"event"'],
    ["an array of numbers", "[1,2]"],
    ["an event without an id", JSON.stringify([{ ...event, id: undefined }])],
    ["an event without a type", JSON.stringify([{ ...event, eventType: "" }])],
    ["a CloudEvent without a source", JSON.stringify([{ specversion: "1.0", id: "x", type: "t" }])],
  ] as const) {
    cases.push({
      what: `Event Grid ${what}`,
      method: "POST",
      path: withKey,
      body,
      status: 400,
      code: undefined,
    });
  }
  cases.push({ what: "Event Grid GET", method: "GET", path: withKey, status: 405, code: undefined });
  cases.push({
    what: "Event Grid unknown function",
    method: "POST",
    path: `/runtime/webhooks/EventGrid?functionName=nope&code=${encodeURIComponent(masterKey)}`,
    body: "[]",
    status: 404,
    code: undefined,
  });

  return cases;
}
