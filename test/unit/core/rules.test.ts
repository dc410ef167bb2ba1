/**
 * The manifest and parameter rules, one table row per rule: valid manifests and parameter sets
 * give the expected value; invalid ones give exactly the expected issues (pointer + message fragment).
 */

import Ajv from "ajv";
import yaml from "js-yaml";
import { manifestWarnings, parseManifest, type EnvironmentManifest } from "../../../src/core/manifest";
import { buildParametersSchema, resolveParameters } from "../../../src/core/parameters";
import type { Result } from "../../../src/core/result";

const FILE = "catalog/web/environment.yaml";
const BASE = { name: "web-app", runner: "Bicep", templatePath: "main.bicep" };

/** YAML text of the base manifest with some fields replaced (undefined removes a field). */
function manifestYaml(fields: Record<string, unknown>): string {
  const merged: Record<string, unknown> = { ...BASE, ...fields };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return yaml.dump(merged);
}

function param(fields: Record<string, unknown>): string {
  return manifestYaml({ parameters: [{ id: "p", ...fields }] });
}

type Expected = [pointer: string, fragment: string][];

function expectIssues<T>(result: Result<T>, file: string, expected: Expected): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const actual = result.errors.map((e) => [e.pointer, e.message]);
  expect(result.errors.every((e) => e.file === file)).toBe(true);
  expect(actual).toHaveLength(expected.length);
  for (const [pointer, fragment] of expected) {
    expect(actual).toContainEqual([pointer, expect.stringContaining(fragment)]);
  }
}

describe("parseManifest: valid manifests", () => {
  test.each<[string, string, Partial<EnvironmentManifest>]>([
    [
      "minimal ARM manifest, parameters default to []",
      "name: FunctionApp\nrunner: ARM\ntemplatePath: azuredeploy.json\n",
      { name: "FunctionApp", runner: "ARM", templatePath: "azuredeploy.json", parameters: [] },
    ],
    [
      "every documented field",
      manifestYaml({
        version: "1.0.0",
        summary: "Web app",
        description: "A web app with a database",
        parameters: [
          {
            id: "sku",
            name: "SKU",
            description: "plan",
            type: "string",
            default: "B1",
            allowed: ["B1", "S1"],
            required: true,
          },
        ],
      }),
      {
        version: "1.0.0",
        summary: "Web app",
        description: "A web app with a database",
        parameters: [
          {
            id: "sku",
            name: "SKU",
            description: "plan",
            type: "string",
            default: "B1",
            allowed: ["B1", "S1"],
            required: true,
          },
        ],
      },
    ],
    ["no runner: .bicep implies Bicep", manifestYaml({ runner: undefined }), { runner: "Bicep" }],
    [
      "no runner: .json implies ARM",
      manifestYaml({ runner: undefined, templatePath: "azuredeploy.JSON" }),
      { runner: "ARM" },
    ],
    [
      "no runner: .tf implies Terraform",
      manifestYaml({ runner: undefined, templatePath: "infra/main.tf" }),
      { runner: "Terraform" },
    ],
    [
      "runner alias in another case is spelled canonically",
      manifestYaml({ runner: "terraform" }),
      { runner: "Terraform" },
    ],
    [
      "runner image with registry, port, path and tag",
      manifestYaml({ runner: "localhost:5000/runners/core-runner:1.2.3" }),
      { runner: "localhost:5000/runners/core-runner:1.2.3" },
    ],
    [
      "runner image with digest",
      manifestYaml({ runner: `myregistry.azurecr.io/custom@sha256:${"a".repeat(64)}` }),
      { runner: `myregistry.azurecr.io/custom@sha256:${"a".repeat(64)}` },
    ],
    [
      "runner image without registry or tag",
      manifestYaml({ runner: "custom_runner" }),
      { runner: "custom_runner" },
    ],
    [
      "templatePath is normalized",
      manifestYaml({ templatePath: "./infra/../main.bicep" }),
      { templatePath: "main.bicep" },
    ],
    [
      "templatePath in a subfolder",
      manifestYaml({ templatePath: "infra/main.tf" }),
      { templatePath: "infra/main.tf" },
    ],
    [
      "name with '.', '_' and '-', 63 characters",
      manifestYaml({ name: `a._-${"b".repeat(59)}` }),
      { name: `a._-${"b".repeat(59)}` },
    ],
    [
      "type defaults to string",
      param({ default: "x" }),
      { parameters: [{ id: "p", type: "string", default: "x" }] },
    ],
    [
      "defaults of every type",
      manifestYaml({
        parameters: [
          { id: "a", type: "array", default: [1, "x"] },
          { id: "b", type: "boolean", default: false },
          { id: "i", type: "integer", default: 3 },
          { id: "n", type: "number", default: 0.5 },
          { id: "o", type: "object", default: { k: [1] } },
        ],
      }),
      {
        parameters: [
          { id: "a", type: "array", default: [1, "x"] },
          { id: "b", type: "boolean", default: false },
          { id: "i", type: "integer", default: 3 },
          { id: "n", type: "number", default: 0.5 },
          { id: "o", type: "object", default: { k: [1] } },
        ],
      },
    ],
    [
      "allowed objects and a default among them (deep equality)",
      param({ type: "object", allowed: [{ a: 1, b: 2 }, { a: 2 }], default: { b: 2, a: 1 } }),
      {
        parameters: [
          { id: "p", type: "object", allowed: [{ a: 1, b: 2 }, { a: 2 }], default: { b: 2, a: 1 } },
        ],
      },
    ],
    [
      "readOnly with a default",
      param({ type: "boolean", default: true, readOnly: true, required: true }),
      { parameters: [{ id: "p", type: "boolean", default: true, readOnly: true, required: true }] },
    ],
    [
      "a date-like default stays text (no YAML timestamps)",
      "name: web-app\nrunner: ARM\ntemplatePath: a.json\nparameters:\n  - id: since\n    default: 2024-01-01\n",
      { parameters: [{ id: "since", type: "string", default: "2024-01-01" }] },
    ],
  ])("%s", (_title, text, expected) => {
    const result = parseManifest(text, FILE);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value).toMatchObject(expected);
  });
});

describe("manifestWarnings", () => {
  it("accepts a default outside the allowed values, as ADE does, with a warning", () => {
    // Microsoft's ContainerApp definition: default ".5", allowed "0.25", "0.5", …
    const result = parseManifest(
      param({ type: "string", default: ".5", allowed: ["0.25", "0.5", "0.75"] }),
      FILE,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(manifestWarnings(result.value, FILE)).toEqual([
      {
        file: FILE,
        pointer: "/parameters/0/default",
        message: expect.stringContaining(
          'the default ".5" is not one of the allowed values ("0.25", "0.5", "0.75")',
        ),
      },
    ]);
    expect(resolveParameters(result.value, {})).toEqual({ ok: true, value: { p: ".5" } });
  });

  it("has nothing to say about a default among the allowed values", () => {
    const result = parseManifest(param({ default: "S", allowed: ["S", "M"] }), FILE);
    expect(result.ok && manifestWarnings(result.value, FILE)).toEqual([]);
  });
});

describe("parseManifest: invalid manifests", () => {
  test.each<[string, string, Expected]>([
    ["YAML syntax error names the line", "name: web\nrunner: ARM\n  templatePath: x\n", [["", "line 3"]]],
    ["duplicate YAML key", "name: web\nname: other\n", [["", "duplicated mapping key"]]],
    ["unknown YAML tag", "name: !!binary aGVsbG8=\n", [["", "unknown tag"]]],
    ["empty file", "", [["", "the manifest is empty"]]],
    ["root is a list", "- name: web\n", [["", "must be an object"]]],
    ["missing name", manifestYaml({ name: undefined }), [["/name", '"name" is required']]],
    [
      "missing runner and a template that implies none",
      manifestYaml({ runner: undefined, templatePath: "deploy.py" }),
      [["/runner", "implies no runner"]],
    ],
    [
      "missing templatePath",
      manifestYaml({ templatePath: undefined }),
      [["/templatePath", "relative to the definition folder"]],
    ],
    ["name too short", manifestYaml({ name: "ab" }), [["/name", "3–63 characters"]]],
    ["name too long", manifestYaml({ name: "a".repeat(64) }), [["/name", "3–63 characters"]]],
    ["name starting with '-'", manifestYaml({ name: "-web" }), [["/name", "a letter or digit"]]],
    ["name with a space", manifestYaml({ name: "web app" }), [["/name", 'found "web app"']]],
    ["name that is a number", manifestYaml({ name: 12345 }), [["/name", "found 12345"]]],
    [
      "version read as a number",
      "name: web\nrunner: ARM\ntemplatePath: a.json\nversion: 1.0\n",
      [["/version", "quote version numbers"]],
    ],
    [
      "summary not text",
      manifestYaml({ summary: ["a"] }),
      [["/summary", "must be a string; found an array"]],
    ],
    [
      "unknown field, with a suggestion",
      manifestYaml({ paramaters: [] }),
      [["/paramaters", 'did you mean "parameters"']],
    ],
    [
      "unknown field lists the allowed ones",
      manifestYaml({ owner: "me" }),
      [["/owner", "allowed fields here: name, version"]],
    ],
    [
      "unknown parameter field",
      param({ secure: true }),
      [["/parameters/0/secure", 'unknown field "secure"']],
    ],
    [
      "runner neither alias nor image",
      manifestYaml({ runner: "Pulumi Runner" }),
      [["/runner", "ARM, Bicep, Terraform or a container image"]],
    ],
    [
      "runner image with upper-case path",
      manifestYaml({ runner: "registry.io/Runner:1" }),
      [["/runner", "container image reference"]],
    ],
    [
      "templatePath absolute",
      manifestYaml({ templatePath: "/main.bicep" }),
      [["/templatePath", "not absolute"]],
    ],
    [
      "templatePath UNC",
      manifestYaml({ templatePath: "//server/share/x.json" }),
      [["/templatePath", "not absolute"]],
    ],
    [
      "templatePath with a drive letter",
      manifestYaml({ templatePath: "C:/main.bicep" }),
      [["/templatePath", "drive letter"]],
    ],
    [
      "templatePath with backslashes",
      manifestYaml({ templatePath: "infra\\..\\..\\x.json" }),
      [["/templatePath", 'not "\\"']],
    ],
    [
      "templatePath leaving the folder",
      manifestYaml({ templatePath: "../other/main.bicep" }),
      [["/templatePath", "stay inside"]],
    ],
    [
      "templatePath leaving it after a detour",
      manifestYaml({ templatePath: "a/../../x.json" }),
      [["/templatePath", "stay inside"]],
    ],
    [
      "templatePath naming a folder",
      manifestYaml({ templatePath: "infra/" }),
      [["/templatePath", "not a folder"]],
    ],
    ["templatePath empty", manifestYaml({ templatePath: "" }), [["/templatePath", "must name a file"]]],
    [
      "templatePath with a control character",
      manifestYaml({ templatePath: "a\u0000.json" }),
      [["/templatePath", "control characters"]],
    ],
    [
      "parameters not a list",
      manifestYaml({ parameters: { id: "p" } }),
      [["/parameters", "must be an array"]],
    ],
    [
      "parameter without id",
      manifestYaml({ parameters: [{ name: "P" }] }),
      [["/parameters/0/id", '"id" is required']],
    ],
    [
      "duplicate parameter ids",
      manifestYaml({ parameters: [{ id: "sku" }, { id: "size" }, { id: "sku" }] }),
      [["/parameters/2/id", "/parameters/0 has the same id"]],
    ],
    [
      "parameter ids differing only in case",
      manifestYaml({ parameters: [{ id: "sku" }, { id: "SKU" }] }),
      [["/parameters/1/id", "compared without case"]],
    ],
    [
      "unknown parameter type",
      param({ type: "str" }),
      [["/parameters/0/type", 'must be one of "array", "boolean"']],
    ],
    [
      "integer default given as text",
      param({ type: "integer", default: "1" }),
      [["/parameters/0/default", "must be an integer"]],
    ],
    [
      "integer default with a fraction",
      param({ type: "integer", default: 1.5 }),
      [["/parameters/0/default", "found a number"]],
    ],
    [
      "boolean default given as text",
      param({ type: "boolean", default: "true" }),
      [["/parameters/0/default", "must be a boolean"]],
    ],
    [
      "string default given as a number",
      param({ default: 5 }),
      [["/parameters/0/default", 'parameter type "string"']],
    ],
    [
      "array default given as an object",
      param({ type: "array", default: { a: 1 } }),
      [["/parameters/0/default", "must be an array"]],
    ],
    [
      "object default given as a list",
      param({ type: "object", default: [1] }),
      [["/parameters/0/default", "must be an object"]],
    ],
    [
      "empty default is null",
      "name: web\nrunner: ARM\ntemplatePath: a.json\nparameters:\n  - id: p\n    default:\n",
      [["/parameters/0/default", "found null"]],
    ],
    [
      "number default that is not finite",
      "name: web\nrunner: ARM\ntemplatePath: a.json\nparameters:\n  - id: p\n    type: number\n    default: .inf\n",
      [["/parameters/0/default", "non-finite"]],
    ],
    ["allowed empty", param({ allowed: [] }), [["/parameters/0/allowed", "at least 1 item"]]],
    ["allowed not a list", param({ allowed: "S" }), [["/parameters/0/allowed", "must be an array"]]],
    [
      "allowed repeats a value",
      param({ allowed: ["S", "M", "S"] }),
      [["/parameters/0/allowed/2", "repeats item 0"]],
    ],
    [
      "allowed value of the wrong type",
      param({ type: "integer", allowed: [1, "2"] }),
      [["/parameters/0/allowed/1", "must be an integer"]],
    ],
    ["readOnly without a default", param({ readOnly: true }), [["/parameters/0/default", "read-only"]]],
    ["required not a boolean", param({ required: "yes" }), [["/parameters/0/required", "must be a boolean"]]],
    [
      "several issues are all reported",
      manifestYaml({
        name: "x",
        runner: "",
        templatePath: "/a",
        parameters: [{ id: "p", type: "integer", default: "2" }],
      }),
      [
        ["/name", "3–63"],
        ["/runner", "ARM, Bicep, Terraform"],
        ["/templatePath", "not absolute"],
        ["/parameters/0/default", "must be an integer"],
      ],
    ],
  ])("%s", (_title, text, expected) => {
    expectIssues(parseManifest(text, FILE), FILE, expected);
  });
});

/** A manifest with one parameter of each kind the request rules care about. */
function requestManifest(): EnvironmentManifest {
  const result = parseManifest(
    manifestYaml({
      parameters: [
        { id: "appName", type: "string", required: true },
        {
          id: "location",
          type: "string",
          required: true,
          default: "westeurope",
          allowed: ["westeurope", "northeurope"],
        },
        { id: "size", type: "integer", default: 1 },
        { id: "httpsOnly", type: "boolean", default: true, readOnly: true },
        { id: "ratio", type: "number" },
        { id: "tags", type: "object" },
        { id: "zones", type: "array", default: ["1"] },
        { id: "a/b~c", type: "boolean" },
      ],
    }),
    FILE,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const DEFAULTS = { location: "westeurope", size: 1, httpsOnly: true, zones: ["1"] };
const REQUEST = "projects/demo/users/me/environments/env1";

describe("resolveParameters: valid parameter sets", () => {
  test.each<[string, unknown, Record<string, unknown>]>([
    [
      "only the required value; defaults fill the rest",
      { appName: "shop" },
      { appName: "shop", ...DEFAULTS },
    ],
    [
      "every parameter set",
      {
        appName: "shop",
        location: "northeurope",
        size: 3,
        ratio: 0.25,
        tags: { team: "a" },
        zones: [],
        "a/b~c": false,
      },
      {
        appName: "shop",
        location: "northeurope",
        size: 3,
        httpsOnly: true,
        ratio: 0.25,
        tags: { team: "a" },
        zones: [],
        "a/b~c": false,
      },
    ],
    [
      "a read-only parameter set to its default",
      { appName: "shop", httpsOnly: true },
      { appName: "shop", ...DEFAULTS },
    ],
    ["an integer is a number", { appName: "shop", ratio: 2 }, { appName: "shop", ratio: 2, ...DEFAULTS }],
    [
      "an undefined value counts as absent",
      { appName: "shop", size: undefined },
      { appName: "shop", ...DEFAULTS },
    ],
    ["1.0 is an integer in JSON", JSON.parse('{"appName":"x","size":1.0}'), { appName: "x", ...DEFAULTS }],
  ])("%s", (_title, input, expected) => {
    const result = resolveParameters(requestManifest(), input, REQUEST);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value).toEqual(expected);
  });

  test("absent parameters are fine when nothing is required", () => {
    const manifest = parseManifest(param({ type: "integer", default: 4 }), FILE);
    if (!manifest.ok) throw new Error("fixture");
    expect(resolveParameters(manifest.value, undefined)).toEqual({ ok: true, value: { p: 4 } });
  });
});

describe("resolveParameters: invalid parameter sets", () => {
  test.each<[string, unknown, Expected]>([
    [
      "parameters that are text",
      "appName=shop",
      [["/parameters", "must be an object mapping parameter ids to values"]],
    ],
    ["parameters that are a list", [{ appName: "shop" }], [["/parameters", "found an array"]]],
    ["parameters that are null", null, [["/parameters", "found null"]]],
    ["required parameter without default missing", {}, [["/parameters/appName", "is required"]]],
    [
      "unknown parameter",
      { appName: "shop", colour: "red" },
      [["/parameters/colour", "this definition accepts: appName, location"]],
    ],
    [
      '"1" is not an integer',
      { appName: "shop", size: "1" },
      [["/parameters/size", "must be an integer; found a string (values are not converted"]],
    ],
    [
      '"true" is not a boolean',
      { appName: "shop", "a/b~c": "true" },
      [["/parameters/a~1b~0c", "must be a boolean"]],
    ],
    [
      "a fraction is not an integer",
      { appName: "shop", size: 1.5 },
      [["/parameters/size", "found a number"]],
    ],
    ['"0.5" is not a number', { appName: "shop", ratio: "0.5" }, [["/parameters/ratio", "must be a number"]]],
    ["null is not a string", { appName: null }, [["/parameters/appName", "found null"]]],
    [
      "a list is not an object",
      { appName: "shop", tags: ["a"] },
      [["/parameters/tags", "must be an object"]],
    ],
    [
      "an object is not a list",
      { appName: "shop", zones: { a: 1 } },
      [["/parameters/zones", "must be an array"]],
    ],
    [
      "value outside allowed",
      { appName: "shop", location: "mars" },
      [["/parameters/location", 'allowed values: "westeurope", "northeurope"']],
    ],
    [
      "read-only parameter overridden",
      { appName: "shop", httpsOnly: false },
      [["/parameters/httpsOnly", "is read-only: it is always true"]],
    ],
    [
      "every issue is reported",
      { size: "2", extra: 1, httpsOnly: "true" },
      [
        ["/parameters/extra", "unknown parameter"],
        ["/parameters/appName", "is required"],
        ["/parameters/size", "must be an integer"],
        ["/parameters/httpsOnly", "read-only"],
      ],
    ],
  ])("%s", (_title, input, expected) => {
    expectIssues(resolveParameters(requestManifest(), input, REQUEST), REQUEST, expected);
  });

  test("messages never repeat the request's values", () => {
    const secret = "s3cr3t-value-do-not-log";
    const result = resolveParameters(
      requestManifest(),
      { appName: 1, location: secret, size: secret, httpsOnly: secret, tags: secret },
      REQUEST,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(JSON.stringify(result.errors)).not.toContain(secret);
  });

  test("errors name the default file when none is given", () => {
    const result = resolveParameters(requestManifest(), {});
    expect(result).toEqual({
      ok: false,
      errors: [
        { file: "request", pointer: "/parameters/appName", message: expect.stringContaining("is required") },
      ],
    });
  });

  test("defaults are copies: changing a resolved value leaves the manifest alone", () => {
    const manifest = requestManifest();
    const result = resolveParameters(manifest, { appName: "x" });
    if (!result.ok) throw new Error("fixture");
    (result.value.zones as string[]).push("2");
    expect(manifest.parameters.find((p) => p.id === "zones")?.default).toEqual(["1"]);
  });
});

describe("the parameters schema agrees with resolveParameters", () => {
  const ajv = new Ajv({ strict: true });
  const validate = ajv.compile(buildParametersSchema(requestManifest()));

  test.each<[string, Record<string, unknown>]>([
    ["defaults plus the required value", { appName: "shop", ...DEFAULTS }],
    [
      "everything",
      {
        appName: "s",
        location: "northeurope",
        size: 2,
        httpsOnly: true,
        ratio: 1.5,
        tags: {},
        zones: [],
        "a/b~c": true,
      },
    ],
  ])("accepts what resolveParameters returns: %s", (_title, input) => {
    const resolved = resolveParameters(requestManifest(), input);
    expect(resolved.ok).toBe(true);
    if (resolved.ok) expect(validate(resolved.value)).toBe(true);
  });

  test.each<[string, Record<string, unknown>]>([
    ["unknown parameter", { colour: "red" }],
    ["text for an integer", { size: "1" }],
    ["text for a boolean", { "a/b~c": "true" }],
    ["value outside allowed", { location: "mars" }],
    ["read-only override", { httpsOnly: false }],
    ["missing required value", { appName: undefined }],
  ])("rejects what resolveParameters rejects: %s", (_title, change) => {
    const input = JSON.parse(JSON.stringify({ appName: "shop", ...DEFAULTS, ...change }));
    expect(resolveParameters(requestManifest(), input).ok).toBe(false);
    expect(validate(input)).toBe(false);
  });
});
