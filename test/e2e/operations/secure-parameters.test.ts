/**
 * Secure parameters (securestring / secureobject in a manifest) end to end: the runner gets the
 * values; the environment's owner and project admins read them back on a GET; lists show them to
 * nobody; no table of the storage account (records and durable state alike) holds them in clear;
 * a script that prints them and fails with them leaves them in no log, error or record.
 */
import { randomUUID } from "node:crypto";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { createBlobStore } from "../../../src/azure/blobs";
import { CONTAINERS } from "../../../src/storage/records";
import { API_VERSION, Stack } from "../../support/stack";

/** Writes the length of each secure value as outputs: proof that the runner got them, without them. */
const VAULT = {
  "environment.yaml": [
    "name: vault",
    "runner: Bicep",
    "templatePath: main.bicep",
    "parameters:",
    "  - { id: label, type: string, default: plain }",
    "  - { id: password, type: securestring, required: true }",
    "  - { id: settings, type: secureObject }",
    "",
  ].join("\n"),
  "main.bicep": "// nothing\n",
  "deploy.sh": [
    "#!/bin/bash",
    "set -e",
    "node -e '",
    "const p = JSON.parse(process.env.ADE_OPERATION_PARAMETERS);",
    'const outputs = { passwordLength: { type: "int", value: p.password.length }, token: { type: "string", value: p.settings.token.length + "" } };',
    'require("fs").writeFileSync(process.env.ADE_OUTPUTS, JSON.stringify({ outputs }));',
    "'",
    "echo deployed",
    "",
  ].join("\n"),
};

/**
 * Prints its secure values every way a script might (plain, in the parameters' JSON, in a line long
 * enough to be cut between log batches, through `ade log`, in a named log), then fails with one in
 * its error, as a template's error might quote it, and one where the error's tail is cut.
 */
const LEAKY = {
  "environment.yaml": [
    "name: leaky",
    "runner: Bicep",
    "templatePath: main.bicep",
    "parameters:",
    "  - { id: password, type: securestring, required: true }",
    "  - { id: settings, type: secureObject }",
    "",
  ].join("\n"),
  "main.bicep": "// nothing\n",
  "deploy.sh": [
    "#!/bin/bash",
    "set -e",
    `password="$(node -e 'process.stdout.write(JSON.parse(process.env.ADE_OPERATION_PARAMETERS).password)')"`,
    'echo "the password is $password"',
    'echo "parameters: $ADE_OPERATION_PARAMETERS"',
    'echo "$(printf "padding %.0s" {1..100}) then $password past a cut"',
    'ade log --content "ade log says $password"',
    'ade log --file named.log --content "named log says $password"',
    `fail="Deployment failed: the value '$password' of parameter password is not valid"`,
    // The error log ends with a line that the entrypoint's 16000-byte tail cuts 11 characters
    // before its end, padding, and the failure.
    'printf "cut %s\\n" "$password" >>"$ADE_ERROR_LOG"',
    'printf "%$((16000 - 14 - ${#fail}))s\\n" "" | tr " " x >>"$ADE_ERROR_LOG"',
    'printf "%s\\n" "$fail" >>"$ADE_ERROR_LOG"',
    'echo "$fail"',
    "exit 1",
    "",
  ].join("\n"),
};

const ENV = "/projects/demo/users/me/environments/vaulted";

describe("secure parameters", () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  const password = `pw-${randomUUID()}`;
  const token = `tok-${randomUUID()}`;

  beforeAll(async () => {
    // Small log batches: the long line of the leaky script is cut between batches.
    stack = await Stack.start({
      definitions: { vault: VAULT, leaky: LEAKY },
      settings: { RUNNER_LOG_BATCH_BYTES: "256" },
    });
    alice = await stack.token("alice");
    bob = await stack.token("bob");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  it("reach the runner, come back only to the owner's GET, and are in no table in clear", async () => {
    const definition = await stack.request(
      "GET",
      "/projects/demo/catalogs/samples/environmentDefinitions/vault",
      alice,
    );
    expect(definition.body.parameters).toEqual([
      expect.objectContaining({ id: "label", type: "string" }),
      expect.objectContaining({ id: "password", type: "string", required: true }),
      expect.objectContaining({ id: "settings", type: "object" }),
    ]);
    expect(JSON.parse(definition.body.parametersSchema as string).properties.password).toMatchObject({
      type: "string",
      writeOnly: true,
    });

    const created = await stack.request("PUT", ENV, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "vault",
      parameters: { password, settings: { token } },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(password);
    const status = await stack.finished(created.headers.get("operation-location") as string, alice);
    expect(status).toMatchObject({ status: "Succeeded" });

    const outputs = await stack.request("GET", `${ENV}/outputs`, alice);
    expect(outputs.body).toMatchObject({
      outputs: { passwordLength: { value: password.length }, token: { value: String(token.length) } },
    });

    // The owner's GET has every value; lists have none, for the owner or anyone else.
    const mine = await stack.request("GET", ENV, alice);
    expect(mine.body.parameters).toEqual({ label: "plain", password, settings: { token } });
    const [operation] = (await stack.request("GET", `${ENV}/operations`, alice)).body.value as {
      operationId: string;
      environmentParameters: Record<string, unknown>;
    }[];
    expect(operation.environmentParameters).toEqual({ label: "plain" });
    const one = await stack.request("GET", `${ENV}/operations/${operation.operationId}`, alice);
    expect(one.body.environmentParameters).toEqual({ label: "plain", password, settings: { token } });
    for (const [who, list] of [
      [alice, "/projects/demo/users/me/environments"],
      [alice, "/projects/demo/environments"],
      [bob, "/projects/demo/environments"],
    ] as const) {
      const listed = await stack.request("GET", list, who);
      expect(listed.status).toBe(200);
      expect(listed.text).toContain("vaulted");
      expect(listed.text).not.toContain(password);
      expect(listed.text).not.toContain(token);
    }
    // Another member does not reach the environment itself, its operations or its outputs.
    const aliceEnv = ENV.replace("/users/me/", `/users/${mine.body.user as string}/`);
    for (const path of [aliceEnv, `${aliceEnv}/outputs`, `${aliceEnv}/operations/${operation.operationId}`]) {
      expect((await stack.request("GET", path, bob)).status).toBe(403);
    }

    // Every table of the account: environment and operation records, durable history and instances.
    const connection = stack.services.azurite.connectionString;
    const service = TableServiceClient.fromConnectionString(connection, { allowInsecureConnection: true });
    let rows = 0;
    for await (const table of service.listTables()) {
      const client = TableClient.fromConnectionString(connection, table.name as string, {
        allowInsecureConnection: true,
      });
      for await (const entity of client.listEntities()) {
        rows++;
        const dump = JSON.stringify(entity);
        expect({ table: table.name, leaks: dump.includes(password) || dump.includes(token) }).toEqual({
          table: table.name,
          leaks: false,
        });
      }
    }
    expect(rows).toBeGreaterThan(3);

    const deleted = await stack.request("DELETE", ENV, alice);
    expect(await stack.finished(deleted.headers.get("operation-location") as string, alice)).toMatchObject({
      status: "Succeeded",
    });
  }, 120_000);

  it("a request's secure values are never repeated in an error", async () => {
    const refused = await stack.request("PUT", "/projects/demo/users/me/environments/vault-bad", alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "vault",
      parameters: { password: { not: password }, settings: token },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain(password);
    expect(refused.text).not.toContain(token);
  });

  it("a script that prints them and fails with them leaves them in no log, error or record", async () => {
    const leaked = `p"w-${randomUUID()}`;
    const apiKey = `key-${randomUUID()}`;
    const env = "/projects/demo/users/me/environments/leaky-one";
    const created = await stack.request("PUT", env, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "leaky",
      parameters: { password: leaked, settings: { apiKey } },
    });
    expect(created.status).toBe(201);
    const status = await stack.finished(created.headers.get("operation-location") as string, alice);
    expect(status).toMatchObject({ status: "Failed" });
    const operationId = status.name as string;
    // Each form a value may take in the text: as printed, and escaped in JSON.
    const forms = [leaked, JSON.stringify(leaked).slice(1, -1), apiKey, leaked.slice(-10), apiKey.slice(-10)];
    const hasNone = (text: string) => forms.filter((form) => text.includes(form));

    // The operation's error (the error log's tail, from a line's start) says what failed, masked.
    const error = status.error as { code: string; message: string };
    expect(error.code).toBe("DeploymentError");
    expect(error.message).toMatch(
      /^deploy failed with DeploymentError \(exit code 1\): x+\nDeployment failed: the value '\*\*\*' of parameter password is not valid$/,
    );
    expect(hasNone(JSON.stringify(status))).toEqual([]);

    // The logs API: every line is there, masked.
    const logs = await fetch(
      new URL(`${env}/operations/${operationId}/logs?api-version=${API_VERSION}`, stack.url),
      { headers: { authorization: `Bearer ${alice}` } },
    );
    expect(logs.status).toBe(200);
    const log = await logs.text();
    for (const line of [
      "the password is ***",
      '"password":"***","settings":***}',
      "ade log says ***",
      "Deployment failed: the value '***' of parameter password is not valid",
      "--- runner container output ---",
    ]) {
      expect(log).toContain(line);
    }
    // The long line came in several batches (its last piece has no timestamp of its own), masked.
    const lines = log.split("\n");
    expect(lines.some((line) => line.endsWith(" then *** past a cut") && !/^\d{4}-/.test(line))).toBe(true);
    expect(hasNone(log)).toEqual([]);
    expect(hasNone(log.replace(/\n/g, ""))).toEqual([]);

    // The blobs behind it: the operation's log and its named log.
    const blobs = createBlobStore({
      kind: "connectionString",
      connectionString: stack.services.azurite.connectionString,
    });
    const stored = await blobs.list(CONTAINERS.logs, `demo/${operationId}`);
    expect(stored.map((blob) => blob.name).sort()).toEqual([
      `demo/${operationId}.log`,
      `demo/${operationId}/named.log`,
    ]);
    for (const blob of stored) {
      const text = ((await blobs.get(CONTAINERS.logs, blob.name)) as Buffer).toString("utf8");
      expect(text).toContain("***");
      expect({ blob: blob.name, leaks: hasNone(text.replace(/\n/g, "")) }).toEqual({
        blob: blob.name,
        leaks: [],
      });
    }

    // The environment and operation as the API shows them (but for the owner's parameters) and as stored.
    const environment = await stack.request("GET", env, alice);
    expect(environment.body.error).toMatchObject({ code: "DeploymentError" });
    expect(hasNone(JSON.stringify({ ...environment.body, parameters: undefined }))).toEqual([]);
    const connection = stack.services.azurite.connectionString;
    const service = TableServiceClient.fromConnectionString(connection, { allowInsecureConnection: true });
    for await (const table of service.listTables()) {
      const client = TableClient.fromConnectionString(connection, table.name as string, {
        allowInsecureConnection: true,
      });
      for await (const entity of client.listEntities()) {
        expect({ table: table.name, leaks: hasNone(JSON.stringify(entity)) }).toEqual({
          table: table.name,
          leaks: [],
        });
      }
    }
  }, 120_000);
});
