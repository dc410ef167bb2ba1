/**
 * The lists through the API of the dev host: a user's environments (records from before the copies
 * by user included) follow a deploy and a delete, the project's list shows each environment once,
 * and an environment's operations come newest first, a page per `$skipToken`. Needs `npm run build`.
 */
import { randomUUID } from "node:crypto";
import { localObjectId } from "../../../dev/token";
import { createStorageAdapters } from "../../../src/azure/storage";
import { TABLES, type EnvironmentRecord } from "../../../src/storage/records";
import { Stack, type Json } from "../../support/stack";

const MINE = "/projects/demo/users/me/environments";

function record(name: string, user: string): EnvironmentRecord {
  const at = new Date().toISOString();
  return {
    project: "demo",
    name,
    user,
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: { step: 1 },
    provisioningState: "Succeeded",
    createdAt: at,
    updatedAt: at,
  };
}

/** Five operations of `old-1`, a minute apart, oldest first. */
const STARTS = Array.from({ length: 5 }, (_, i) => new Date(Date.now() - (5 - i) * 60_000).toISOString());
const OPERATION_IDS = STARTS.map(() => randomUUID());

describe("lists through the API", () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await Stack.start({
      // Records as an earlier version wrote them: no copies by user, no newest-first index.
      async beforeHost(services) {
        const storage = createStorageAdapters(services.azurite.connectionString);
        const plain = storage.records<EnvironmentRecord>(TABLES.environments);
        const me = localObjectId("alice");
        for (const name of ["old-1", "old-2"]) await plain.create("demo", name, record(name, me));
        await plain.create("demo", "bobs", record("bobs", localObjectId("bob")));
        const operations = storage.records(TABLES.operations);
        for (const [i, id] of OPERATION_IDS.entries()) {
          await operations.create("demo", id, {
            id,
            project: "demo",
            environmentName: "old-1",
            user: me,
            kind: "deploy",
            status: "Succeeded",
            createdBy: me,
            startTime: STARTS[i],
            endTime: STARTS[i],
            environmentParameters: {},
          });
        }
      },
    });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  /** Every item of a list, following nextLink; and how many pages it took. */
  async function all(path: string, token: string): Promise<{ items: Json[]; pages: number }> {
    const items: Json[] = [];
    let pages = 0;
    let next: string | undefined = path;
    while (next) {
      const reply = await stack.request("GET", next, token);
      expect(reply.status).toBe(200);
      items.push(...(reply.body.value as Json[]));
      pages++;
      const link = reply.body.nextLink as string | undefined;
      next = link && new URL(link).pathname + new URL(link).search;
    }
    return { items, pages };
  }

  const names = (items: Json[]) => items.map((item) => item.name);

  it("lists a user's environments, old ones included, in step with a deploy and a delete", async () => {
    expect(names((await all(MINE, alice)).items)).toEqual(["old-1", "old-2"]);
    await stack.deployAndWait(alice, "new-1", "counter");
    const operations = (await all(`${MINE}/new-1/operations`, alice)).items;
    expect(operations.map((item) => item.kind)).toEqual(["Deploy"]);
    const paged = await all(`${MINE}?maxpagesize=1`, alice);
    expect(paged).toMatchObject({ pages: 3 });
    expect(names(paged.items)).toEqual(["new-1", "old-1", "old-2"]);
    expect(paged.items[0]).toMatchObject({ provisioningState: "Succeeded", user: localObjectId("alice") });

    const bob = await stack.token("bob");
    expect(names((await all(MINE, bob)).items)).toEqual(["bobs"]);
    expect(names((await all("/projects/demo/environments?maxpagesize=2", bob)).items)).toEqual([
      "bobs",
      "new-1",
      "old-1",
      "old-2",
    ]);

    const deleted = await stack.request("DELETE", `${MINE}/old-2`, alice);
    expect(deleted.status).toBe(202);
    await stack.finished(deleted.headers.get("operation-location") as string, alice);
    expect(names((await all(MINE, alice)).items)).toEqual(["new-1", "old-1"]);
    expect(names((await all("/projects/demo/environments", bob)).items)).toEqual(["bobs", "new-1", "old-1"]);
  });

  it("lists an environment's operations newest first, a page per $skipToken", async () => {
    const paged = await all(`${MINE}/old-1/operations?maxpagesize=2`, alice);
    expect(paged.pages).toBe(3);
    expect(paged.items.map((item) => item.operationId)).toEqual([...OPERATION_IDS].reverse());
    expect(paged.items.map((item) => item.startTime)).toEqual([...STARTS].reverse());

    const bad = await stack.request("GET", `${MINE}/old-1/operations?$skipToken=bm9wZQ`, alice);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "InvalidSkipToken" } } });
    // Operations stay their owner's: bob sees none of them on his own path.
    const bob = await stack.token("bob");
    expect((await all(`${MINE}/old-1/operations`, bob)).items).toEqual([]);
  });
});
