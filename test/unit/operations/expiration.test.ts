/**
 * The one owner of expiration: PUT, PATCH and the `expire` action record a changed expirationDate
 * the same way (date, who, when), reject bad dates with the contract's target, and the sweep's
 * notion of "expired".
 */
import type { EnvironmentRecord } from "../../../src/storage/records";
import {
  changeExpiration,
  expirationAfter,
  isExpired,
  parseExpirationDate,
} from "../../../src/operations/expiration";
import { RequestRejected } from "../../../src/operations/rejections";
import { MemoryRecords } from "../../support/memory-records";

const NOW = new Date("2026-11-29T10:00:00Z");
const LATER = "2026-12-24T18:00:00.000Z";

const ENVIRONMENT: EnvironmentRecord = {
  project: "demo",
  name: "env",
  user: "alice",
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: "counter",
  parameters: {},
  provisioningState: "Succeeded",
  createdAt: "2026-11-28T10:00:00Z",
  updatedAt: "2026-11-28T10:00:00Z",
};

async function setup(record: EnvironmentRecord = ENVIRONMENT) {
  const environments = new MemoryRecords<EnvironmentRecord>("environments");
  await environments.create(record.project, record.name, record);
  return { environments, now: () => NOW };
}

const change = { project: "demo", environmentName: "env", user: "alice", by: "bob" };

describe("expiration", () => {
  it("PATCH sets the date and records who changed it and when", async () => {
    const deps = await setup();
    const updated = await changeExpiration(deps, { ...change, expirationDate: "2026-12-24T19:00:00+01:00" });
    expect(updated).toMatchObject({
      expirationDate: LATER,
      expirationModified: { by: "bob", at: NOW.toISOString() },
      updatedAt: NOW.toISOString(),
    });
    expect((await deps.environments.get("demo", "env"))?.value).toEqual(updated);
  });

  it("null removes the date; an absent one leaves date and author alone", async () => {
    const scheduled = { ...ENVIRONMENT, expirationDate: LATER, expirationModified: { by: "carol", at: "x" } };
    const deps = await setup(scheduled);
    const untouched = await changeExpiration(deps, { ...change, expirationDate: undefined });
    expect(untouched).toMatchObject({ expirationDate: LATER, expirationModified: { by: "carol", at: "x" } });
    const removed = await changeExpiration(deps, { ...change, expirationDate: null });
    expect(removed.expirationDate).toBeUndefined();
    expect(removed.expirationModified).toBeUndefined();
  });

  it("the same date again keeps who set it (as a repeated PUT does)", () => {
    const current = { expirationDate: LATER, expirationModified: { by: "carol", at: "then" } };
    expect(expirationAfter(current, LATER, "bob", "now")).toEqual(current);
    expect(expirationAfter(current, "2027-01-01T00:00:00.000Z", "bob", "now")).toEqual({
      expirationDate: "2027-01-01T00:00:00.000Z",
      expirationModified: { by: "bob", at: "now" },
    });
  });

  it("rejects a date that is not RFC 3339 or not in the future, naming expirationDate", () => {
    expect(() => parseExpirationDate("soon", NOW)).toThrow(
      expect.objectContaining({ status: 400, code: "InvalidRequestBody", target: "expirationDate" }),
    );
    expect(() => parseExpirationDate("2026-11-29T09:59:59Z", NOW)).toThrow(
      expect.objectContaining({ status: 400, code: "InvalidExpirationDate", target: "expirationDate" }),
    );
  });

  it("the expire action needs a scheduled expiration, and another user's environment is not found", async () => {
    const deps = await setup();
    const delay = { ...change, expirationDate: LATER, onlyIfScheduled: { action: "expire" } };
    await expect(changeExpiration(deps, delay)).rejects.toMatchObject({
      status: 404,
      code: "ActionNotFound",
      target: "actionName",
    });
    await expect(changeExpiration(deps, { ...delay, user: "mallory" })).rejects.toBeInstanceOf(
      RequestRejected,
    );
    await expect(changeExpiration(deps, { ...delay, user: "mallory" })).rejects.toMatchObject({
      code: "EnvironmentNotFound",
      target: "environmentName",
    });
    // Nothing was written by the refused requests.
    expect((await deps.environments.get("demo", "env"))?.value).toEqual(ENVIRONMENT);
  });

  it("an environment has expired once its date has passed", () => {
    expect(isExpired({ ...ENVIRONMENT, expirationDate: "2026-11-29T10:00:00Z" }, NOW)).toBe(true);
    expect(isExpired({ ...ENVIRONMENT, expirationDate: LATER }, NOW)).toBe(false);
    expect(isExpired(ENVIRONMENT, NOW)).toBe(false);
  });
});
