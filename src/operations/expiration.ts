/**
 * The one owner of an environment's expiration: what a valid expirationDate is, how setting or
 * changing it is recorded (PUT, PATCH and the `expire` action alike), and when an environment has
 * expired (the sweep in expiry.ts).
 */
import type { EnvironmentRecord } from "../storage/records";
import { updateRecord } from "../storage/update-record";
import type { RecordStore } from "../storage/ports";
import { RequestRejected } from "./rejections";

/** An expirationDate of a request: an RFC 3339 date-time in the future, as ISO text. */
export function parseExpirationDate(value: unknown, now: Date): string {
  const target = "expirationDate";
  const time = typeof value === "string" ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw new RequestRejected(400, "InvalidRequestBody", "expirationDate must be an RFC 3339 date-time.", {
      target,
    });
  }
  if (time <= now.getTime()) {
    throw new RequestRejected(400, "InvalidExpirationDate", "expirationDate must be in the future.", {
      target,
    });
  }
  return new Date(time).toISOString();
}

/**
 * The expiration fields after a request asks for `expirationDate` (undefined: none): who changed it
 * and when is recorded when the date changes, and kept when it stays the same.
 */
export function expirationAfter(
  current: Pick<EnvironmentRecord, "expirationDate" | "expirationModified"> | undefined,
  expirationDate: string | undefined,
  by: string,
  at: string,
): Pick<EnvironmentRecord, "expirationDate" | "expirationModified"> {
  return {
    expirationDate,
    expirationModified:
      expirationDate === undefined
        ? undefined
        : expirationDate === current?.expirationDate
          ? current.expirationModified
          : { by, at },
  };
}

/** Whether the environment's expirationDate has passed. */
export function isExpired(environment: EnvironmentRecord, now: Date): boolean {
  return environment.expirationDate !== undefined && Date.parse(environment.expirationDate) <= now.getTime();
}

export interface ExpirationChange {
  project: string;
  environmentName: string;
  user: string;
  /** Object id of who asks. */
  by: string;
  /** The new date as the request has it (validated here); null removes it; undefined leaves it. */
  expirationDate: unknown;
  /** The `expire` action acts only on an environment that has an expiration. */
  onlyIfScheduled?: { action: string };
}

/** Sets, changes or removes an environment's expirationDate (PATCH, `expire:delay`, `expire:skip`). */
export async function changeExpiration(
  deps: { environments: RecordStore<EnvironmentRecord>; now(): Date },
  change: ExpirationChange,
): Promise<EnvironmentRecord> {
  const now = deps.now();
  const requested =
    change.expirationDate === undefined || change.expirationDate === null
      ? undefined
      : parseExpirationDate(change.expirationDate, now);
  let unscheduled = false;
  const updated = await updateRecord(
    deps.environments,
    change.project,
    change.environmentName,
    (record): EnvironmentRecord | undefined => {
      if (record.user !== change.user) return undefined;
      if (change.onlyIfScheduled && record.expirationDate === undefined) {
        unscheduled = true;
        return undefined;
      }
      const fields =
        change.expirationDate === undefined
          ? {}
          : expirationAfter(record, requested, change.by, now.toISOString());
      return { ...record, ...fields, updatedAt: now.toISOString() };
    },
  );
  if (!updated || updated.user !== change.user) {
    throw new RequestRejected(
      404,
      "EnvironmentNotFound",
      `The environment ${change.environmentName} does not exist.`,
      {
        target: "environmentName",
      },
    );
  }
  if (unscheduled && change.onlyIfScheduled) {
    throw new RequestRejected(
      404,
      "ActionNotFound",
      `The environment ${change.environmentName} has no action ${change.onlyIfScheduled.action}.`,
      { target: "actionName" },
    );
  }
  return updated;
}
