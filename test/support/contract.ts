/**
 * Checks API responses against the contract we serve (docs/contract, Swagger 2.0): the response
 * schema that the contract declares for the route, method and status is compiled with ajv.
 */
import Ajv, { type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import path from "node:path";

interface SwaggerResponse {
  schema?: { $ref?: string; type?: string };
}

interface Swagger {
  paths: Record<string, Record<string, { responses: Record<string, SwaggerResponse> }>>;
}

const CONTRACT_FILE = path.resolve(__dirname, "../../docs/contract/devcenter-environments.openapi.json");

export class Contract {
  private readonly swagger: Swagger;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    this.swagger = JSON.parse(readFileSync(CONTRACT_FILE, "utf8")) as Swagger;
    // Swagger 2.0 schemas are JSON Schema plus x-ms-* and discriminator keywords, which ajv is told to pass over.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    this.ajv.addFormat("uri", (value: string) => URL.canParse(value));
    this.ajv.addFormat("date-time", (value: string) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value),
    );
    this.ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat("double", { type: "number", validate: () => true });
    this.ajv.addSchema(openEnums(this.swagger), "contract");
  }

  /** The contract's route template that a concrete path (without query) matches. */
  private template(pathname: string): string {
    for (const template of Object.keys(this.swagger.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/:]+")}$`);
      if (pattern.test(pathname)) return template;
    }
    throw new Error(`The contract has no route for ${pathname}`);
  }

  /** Errors of `body` against the contract's schema for the response (empty when it conforms). */
  check(method: string, pathname: string, status: number, body: unknown): string[] {
    const template = this.template(pathname);
    const operation = this.swagger.paths[template][method.toLowerCase()];
    if (!operation) throw new Error(`The contract has no ${method} ${template}`);
    const response =
      operation.responses[String(status)] ?? (status >= 400 ? operation.responses.default : undefined);
    if (!response) return [`${method} ${template} does not declare status ${status}`];
    if (!response.schema)
      return body === undefined || body === "" ? [] : ["a body where the contract declares none"];
    if (response.schema.type === "string") return typeof body === "string" ? [] : ["a non-string body"];
    const ref = response.schema.$ref as string;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(`contract${ref}`) as ValidateFunction;
      this.validators.set(ref, validate);
    }
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${ref}${e.instancePath}: ${e.message ?? "invalid"}`);
  }
}

/**
 * x-ms-enum with modelAsString: true is an extensible enum: clients take any string (the contract's
 * own outputs example sends `int` and `bool`). Those enums are dropped before validation.
 */
function openEnums<T>(node: T): T {
  if (Array.isArray(node)) return node.map(openEnums) as T;
  if (typeof node !== "object" || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>);
  const extensible =
    (node as { "x-ms-enum"?: { modelAsString?: boolean } })["x-ms-enum"]?.modelAsString === true;
  return Object.fromEntries(
    entries.filter(([key]) => !(extensible && key === "enum")).map(([key, value]) => [key, openEnums(value)]),
  ) as T;
}
