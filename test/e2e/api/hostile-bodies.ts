/** The hostile-input test's bad bodies: PUTs of a new environment as bob, PATCHes of alice's as alice. */
import { API_VERSION } from "../../support/stack";
import { caseAdder, GOOD_BODY, MINE, type Case } from "./hostile-cases";

const V = `api-version=${API_VERSION}`;

export function bodyCases(asAlice: string, asBob: string): Case[] {
  const cases: Case[] = [];
  const add = caseAdder(cases, asBob);
  // Bodies of a PUT
  const putBody = (
    what: string,
    body: string | Buffer,
    code = "InvalidRequestBody",
    status = 400,
    contentType?: string,
  ) =>
    add(`PUT body ${what}`, "PUT", `${MINE}/body-env?${V}`, status, code, {
      body,
      ...(contentType && { contentType }),
    });
  const withFields = (fields: Record<string, unknown>) =>
    JSON.stringify({ ...(JSON.parse(GOOD_BODY) as object), ...fields });
  putBody("not JSON", "{");
  putBody("truncated", GOOD_BODY.slice(0, -3));
  putBody("null", "null");
  putBody("an array", "[]");
  putBody("a string", '"environment"');
  putBody("a number", "42");
  putBody("empty object", "{}");
  putBody("empty", "");
  putBody("JSON with a comment", `/* hi */${GOOD_BODY}`);
  putBody("two JSON documents", `${GOOD_BODY}${GOOD_BODY}`);
  putBody("NaN", GOOD_BODY.replace('"step":1', '"step":NaN'));
  for (const field of ["environmentType", "catalogName", "environmentDefinitionName"]) {
    for (const [what, value] of [
      ["a number", 5],
      ["null", null],
      ["an array", ["Dev"]],
      ["an object", { name: "Dev" }],
      ["empty", ""],
    ] as const) {
      putBody(`${field} ${what}`, withFields({ [field]: value }));
    }
  }
  putBody(
    "unknown environment type",
    withFields({ environmentType: "Prod" }),
    "EnvironmentTypeNotFound",
    404,
  );
  putBody("unknown catalog", withFields({ catalogName: "nowhere" }), "CatalogNotFound", 404);
  putBody(
    "unknown definition",
    withFields({ environmentDefinitionName: "nowhere" }),
    "EnvironmentDefinitionNotFound",
    404,
  );
  putBody("parameters a string", withFields({ parameters: "step=1" }), "InvalidParameters");
  putBody("parameters an array", withFields({ parameters: [1] }), "InvalidParameters");
  putBody("parameter of the wrong type", withFields({ parameters: { step: "one" } }), "InvalidParameters");
  putBody("unknown parameter", withFields({ parameters: { step: 1, nope: true } }), "InvalidParameters");
  putBody(
    "__proto__ parameter",
    withFields({ parameters: JSON.parse('{"step":1,"__proto__":{"admin":true}}') }),
    "InvalidParameters",
  );
  putBody(
    "deeply nested parameter",
    GOOD_BODY.replace('"step":1', `"step":1,"deep":${"[".repeat(20000)}${"]".repeat(20000)}`),
    "InvalidParameters",
  );
  putBody("expirationDate not a date", withFields({ expirationDate: "tomorrow" }));
  putBody("expirationDate a number", withFields({ expirationDate: 1893456000 }));
  putBody(
    "expirationDate in the past",
    withFields({ expirationDate: "2001-01-01T00:00:00Z" }),
    "InvalidExpirationDate",
  );
  putBody(
    "2 MiB",
    withFields({ parameters: { step: 1 }, padding: "x".repeat(2 * 1024 * 1024) }),
    "RequestBodyTooLarge",
    413,
  );
  putBody(
    "form encoded",
    "environmentType=Dev&catalogName=samples",
    "InvalidRequestBody",
    400,
    "application/x-www-form-urlencoded",
  );
  // PATCH bodies
  for (const [what, body] of [
    ["not JSON", "{"],
    ["an array", "[]"],
    ["another field", JSON.stringify({ catalogName: "other" })],
    ["expirationDate not a date", JSON.stringify({ expirationDate: "soon" })],
  ] as const) {
    cases.push({
      what: `PATCH body ${what}`,
      method: "PATCH",
      path: `${MINE}/alice-env?${V}`,
      token: asAlice,
      body,
      contentType: "application/merge-patch+json",
      status: 400,
      code: "InvalidRequestBody",
    });
  }

  return cases;
}
