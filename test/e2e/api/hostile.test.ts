/**
 * Hostile input against the local stack (dev host + Azurite + ARM emulator): several hundred
 * malformed or unauthorized requests — bad JSON, wrong types, odd and huge names, path traversal,
 * bad api-versions, wrong methods, forged, expired and missing tokens, another user's or project's
 * things, oversize bodies, unicode and case tricks, the dev host's webhook, Durable and admin
 * endpoints without their key or with bad events. Each must get its own 4xx and error code (never
 * a 5xx), and none may create, change or delete anything. Prints the counts by status.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createStorageAdapters } from "../../../src/azure/storage";
import { environmentRecords } from "../../../src/storage/environment-records";
import { localObjectId } from "../../../dev/token";
import { REPO_ROOT } from "../../../dev/stack";
import { TABLES } from "../../../src/storage/records";
import { Stack } from "../../support/stack";
import { bodyCases } from "./hostile-bodies";
import { GOOD_BODY, hostileCases, MINE, send } from "./hostile-cases";

describe("hostile input (dev host + Azurite + ARM emulator)", () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "hostile-"));
    // The sample dev center, plus a project only alice may use.
    const sample = await readFile(path.join(REPO_ROOT, "samples", "devcenter.yaml"), "utf8");
    const config = sample
      .replace(
        "localPath: samples/catalog",
        `localPath: ${JSON.stringify(path.join(REPO_ROOT, "samples", "catalog"))}`,
      )
      .replace(
        "projects:\n",
        `projects:\n  - name: private\n    members: ["${localObjectId("alice")}"]\n    environmentTypes: []\n`,
      );
    await writeFile(path.join(dir, "devcenter.yaml"), config);
    stack = await Stack.start({ devCenterConfigFile: path.join(dir, "devcenter.yaml") });
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers every hostile request with its own 4xx, never a 5xx, and changes nothing", async () => {
    const alice = await stack.token("alice");
    const bob = await stack.token("bob");
    await stack.catalogSynced(alice);
    // What there is to attack: alice's environment and its operation.
    const created = await stack.request("PUT", `${MINE}/alice-env`, alice, JSON.parse(GOOD_BODY));
    expect(created.status).toBe(201);
    const status = await stack.finished(created.headers.get("operation-location") as string, alice);
    expect(status.status).toBe("Succeeded");
    const aliceOperation = status.name as string;
    const cases = [
      ...(await hostileCases({
        alice,
        bob,
        aliceOperation,
        key: stack.services.signingKey,
        masterKey: stack.masterKey,
      })),
      ...bodyCases(`Bearer ${alice}`, `Bearer ${bob}`),
    ];

    // What there is before: everything stored and everything in ARM.
    const storage = createStorageAdapters(stack.services.azurite.connectionString);
    const environments = environmentRecords((table) => storage.records(table));
    const snapshot = async () => ({
      environments: await environments.list("demo"),
      privateEnvironments: await environments.list("private"),
      operations: (await storage.records(TABLES.operations).list("demo")).map((r) => r.rowKey),
      claims: (await storage.records(TABLES.resourceGroupClaims).list("resourceGroups")).map((r) => r.rowKey),
      resourceGroups: stack.arm().resourceGroups.map((g) => g.name),
      roleAssignments: stack.arm().roleAssignments.length,
      containerGroups: stack.arm().containerGroups.length,
    });
    const before = await snapshot();

    const base = new URL(stack.url);
    const wrong: string[] = [];
    const counts: Record<string, number> = {};
    for (const c of cases) {
      const answer = await send(base, c);
      counts[answer.status] = (counts[answer.status] ?? 0) + 1;
      if (answer.status !== c.status || answer.code !== c.code) {
        wrong.push(
          `${c.what}: expected ${c.status} ${c.code ?? "(no code)"}, got ${answer.status} ${answer.code ?? "(no code)"}`,
        );
      }
    }
    const fives = Object.entries(counts)
      .filter(([s]) => s.startsWith("5"))
      .reduce((n, [, k]) => n + k, 0);
    const fours = Object.entries(counts)
      .filter(([s]) => s.startsWith("4"))
      .reduce((n, [, k]) => n + k, 0);
    process.stdout.write(
      `hostile input: ${cases.length} requests, 4xx ${fours}, 5xx ${fives}, by status ${JSON.stringify(counts)}, not as expected ${wrong.length}\n`,
    );

    expect(cases.length).toBeGreaterThanOrEqual(240);
    expect(wrong).toEqual([]);
    expect(fives).toBe(0);
    expect(await snapshot()).toEqual(before);
  }, 300_000);
});
