/**
 * The environments table against Azurite: each record's copy under its owner is written in the
 * same batch, so a user's list is one range read that follows every create, replace and delete;
 * etags stay the record's; the project's list never shows a copy; records written before copies
 * are found.
 */
import { startAzurite, type RunningAzurite } from "../../../dev/azurite";
import { createStorageAdapters, type StorageAdapters } from "../../../src/azure/storage";
import { listEnvironments } from "../../../src/operations/environment-queries";
import { environmentCopyRow, environmentRecords } from "../../../src/storage/environment-records";
import { RecordConflictError, type RecordBatchStore } from "../../../src/storage/ports";
import { TABLES, type EnvironmentRecord } from "../../../src/storage/records";

function environment(project: string, name: string, user: string, state = "Succeeded"): EnvironmentRecord {
  return {
    project,
    name,
    user,
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: { state },
    provisioningState: "Succeeded",
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-01T00:00:00Z",
  };
}

describe("environment records with copies by user (Azurite)", () => {
  let azurite: RunningAzurite;
  let storage: StorageAdapters;
  let raw: RecordBatchStore<EnvironmentRecord>;
  let projects = 0;
  beforeAll(async () => {
    azurite = await startAzurite();
    storage = createStorageAdapters(azurite.connectionString);
    raw = storage.records<EnvironmentRecord>(TABLES.environments);
  });
  afterAll(() => azurite.stop());

  /** A project of its own per test, and a fresh store (nothing remembered of other tests). */
  function fresh() {
    return { project: `p${++projects}`, environments: environmentRecords((table) => storage.records(table)) };
  }

  const names = (records: EnvironmentRecord[]) => records.map((r) => r.name);

  it("keeps each user's list in step with create, replace and delete", async () => {
    const { project, environments } = fresh();
    const alice = "alice-id";
    await environments.create(project, "a1", environment(project, "a1", alice));
    await environments.create(project, "b1", environment(project, "b1", "bob-id"));
    const etag = await environments.create(project, "a2", environment(project, "a2", alice));
    expect(names(await environments.listOfUser(project, alice))).toEqual(["a1", "a2"]);
    expect(names(await environments.listOfUser(project, "bob-id"))).toEqual(["b1"]);

    await environments.replace(project, "a2", environment(project, "a2", alice, "changed"), etag);
    const listed = await environments.listOfUser(project, alice);
    expect(listed.find((e) => e.name === "a2")?.parameters).toEqual({ state: "changed" });

    await environments.delete(project, "a1");
    expect(names(await environments.listOfUser(project, alice))).toEqual(["a2"]);
    expect(await raw.get(project, environmentCopyRow(alice, "a1"))).toBeUndefined();
    expect(names(await environments.listOfUser(project, "nobody"))).toEqual([]);
  });

  it("never shows a copy in the project's list", async () => {
    const { project, environments } = fresh();
    for (const name of ["env-c", "env-a", "env-b"])
      await environments.create(project, name, environment(project, name, "alice-id"));
    await environments.listOfUser(project, "alice-id"); // writes the project's marker row too
    expect((await raw.list(project)).length).toBeGreaterThan(3);
    expect((await environments.list(project)).map((r) => r.rowKey)).toEqual(["env-a", "env-b", "env-c"]);
    expect(names(await listEnvironments({ environments }, project))).toEqual(["env-a", "env-b", "env-c"]);
    expect(
      names(await listEnvironments({ environments }, project, undefined, { after: "env-a", limit: 1 })),
    ).toEqual(["env-b"]);
  });

  it("gives callers the record's etag: a stale one conflicts and changes neither row", async () => {
    const { project, environments } = fresh();
    const etag1 = await environments.create(project, "web", environment(project, "web", "alice-id", "1"));
    expect((await environments.get(project, "web"))?.etag).toBe(etag1);
    const etag2 = await environments.replace(
      project,
      "web",
      environment(project, "web", "alice-id", "2"),
      etag1,
    );
    expect((await environments.get(project, "web"))?.etag).toBe(etag2);

    const stale = await environments
      .replace(project, "web", environment(project, "web", "alice-id", "3"), etag1)
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ conflict: "changed", rowKey: "web" });
    await expect(environments.delete(project, "web", etag1)).rejects.toBeInstanceOf(RecordConflictError);
    await expect(
      environments.create(project, "web", environment(project, "web", "alice-id", "4")),
    ).rejects.toMatchObject({ conflict: "exists" });
    expect((await environments.get(project, "web"))?.value.parameters).toEqual({ state: "2" });
    expect((await environments.listOfUser(project, "alice-id"))[0].parameters).toEqual({ state: "2" });

    await environments.delete(project, "web", etag2);
    expect(await environments.get(project, "web")).toBeUndefined();
    expect(await environments.listOfUser(project, "alice-id")).toEqual([]);
    await expect(
      environments.replace(project, "web", environment(project, "web", "alice-id", "5"), etag2),
    ).rejects.toMatchObject({ conflict: "missing" });
    expect(await environments.listOfUser(project, "alice-id")).toEqual([]);
  });

  it("lets one of several concurrent replaces with the same etag win, in the record and its copy", async () => {
    const { project, environments } = fresh();
    const etag = await environments.create(project, "web", environment(project, "web", "alice-id", "start"));
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        environments.replace(project, "web", environment(project, "web", "alice-id", `writer-${i}`), etag),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    const state = { state: `writer-${winners[0]}` };
    expect((await environments.get(project, "web"))?.value.parameters).toEqual(state);
    expect((await environments.listOfUser(project, "alice-id"))[0].parameters).toEqual(state);
  });

  it("finds records written before copies existed, and keeps them in step from then on", async () => {
    const { project, environments } = fresh();
    await raw.create(project, "old-1", environment(project, "old-1", "alice-id"));
    const oldEtag = await raw.create(project, "old-2", environment(project, "old-2", "alice-id"));
    await raw.create(project, "old-3", environment(project, "old-3", "alice-id"));
    await environments.create(project, "new", environment(project, "new", "alice-id"));
    // A replace gives an old record its copy; a delete of one without a copy works.
    await environments.replace(project, "old-2", environment(project, "old-2", "alice-id", "2"), oldEtag);
    await environments.delete(project, "old-3");
    expect(await raw.get(project, "old-3")).toBeUndefined();

    const listed = await environments.listOfUser(project, "alice-id");
    expect(names(listed)).toEqual(["new", "old-1", "old-2"]);
    expect(listed.find((e) => e.name === "old-2")?.parameters).toEqual({ state: "2" });
    // Another process (a fresh store) reads the marker and does not scan again.
    const later = environmentRecords((table) => storage.records(table));
    await raw.create(project, "after-marker", environment(project, "after-marker", "alice-id"));
    expect(names(await later.listOfUser(project, "alice-id"))).toEqual(["new", "old-1", "old-2"]);
  });

  it("leaves no copy of a record deleted while the first list copies the project", async () => {
    const { project } = fresh();
    await raw.create(project, "doomed", environment(project, "doomed", "alice-id"));
    await raw.create(project, "kept", environment(project, "kept", "alice-id"));
    // The delete runs between the scan's list and its copies: it finds no copy to remove.
    const racing: RecordBatchStore<EnvironmentRecord> = Object.create(
      raw,
    ) as RecordBatchStore<EnvironmentRecord>;
    racing.list = async (...args) => {
      const rows = await raw.list(...args);
      if (!args[1]?.prefix) await raw.delete(project, "doomed");
      return rows;
    };
    const environments = environmentRecords(<T extends object>() => racing as unknown as RecordBatchStore<T>);
    expect(names(await environments.listOfUser(project, "alice-id"))).toEqual(["kept"]);
    expect(await raw.get(project, environmentCopyRow("alice-id", "doomed"))).toBeUndefined();
  });

  it("scans a project once for concurrent first lists", async () => {
    const { project } = fresh();
    for (const name of ["old-1", "old-2"])
      await raw.create(project, name, environment(project, name, "alice-id"));
    let scans = 0;
    const counting = Object.create(raw) as RecordBatchStore<EnvironmentRecord>;
    counting.list = (...args) => {
      if (!args[1]?.prefix) scans++;
      return raw.list(...args);
    };
    const environments = environmentRecords(
      <T extends object>() => counting as unknown as RecordBatchStore<T>,
    );
    const lists = await Promise.all(
      Array.from({ length: 5 }, () => environments.listOfUser(project, "alice-id")),
    );
    expect(lists.map(names)).toEqual(Array.from({ length: 5 }, () => ["old-1", "old-2"]));
    expect(scans).toBe(1);
  });

  it("reads a page of a user's list by name: only that user's copies", async () => {
    const { project, environments } = fresh();
    for (const name of ["e5", "e1", "e3", "e2", "e4"]) {
      await environments.create(project, name, environment(project, name, "alice-id"));
      await environments.create(project, `x-${name}`, environment(project, `x-${name}`, "bob-id"));
    }
    const page = async (after?: string) =>
      names(
        await listEnvironments({ environments }, project, "alice-id", { ...(after && { after }), limit: 2 }),
      );
    expect(await page()).toEqual(["e1", "e2"]);
    expect(await page("e2")).toEqual(["e3", "e4"]);
    expect(await page("e4")).toEqual(["e5"]);
    expect(await page("e5")).toEqual([]);
  });
});
