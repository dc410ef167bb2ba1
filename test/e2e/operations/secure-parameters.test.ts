/**
 * Secure parameters (securestring / secureobject in a manifest) end to end: the runner gets the
 * values; the environment's owner and project admins read them back on a GET; lists show them to
 * nobody; no table of the storage account (records and durable state alike) holds them in clear.
 */
import { randomUUID } from "node:crypto";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { Stack } from "../../support/stack";

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

const ENV = "/projects/demo/users/me/environments/vaulted";

describe("secure parameters", () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  const password = `pw-${randomUUID()}`;
  const token = `tok-${randomUUID()}`;

  beforeAll(async () => {
    stack = await Stack.start({ definitions: { vault: VAULT } });
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
});
