/** The template language's date functions: dateTimeAdd, dateTimeToEpoch, dateTimeFromEpoch. */
import { invalid } from "./errors";

type Value = unknown;

const DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function date(fn: string, value: Value): Date {
  const parsed = typeof value === "string" ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    throw invalid(
      `The template function '${fn}' expects a date-time string in ISO 8601 form, not '${String(value)}'.`,
    );
  }
  return parsed;
}

/** ARM answers dates without milliseconds unless asked for a format. */
function iso(at: Date): string {
  return at.toISOString().replace(/\.000Z$/, "Z");
}

function dateTimeAdd(args: Value[]): string {
  if (args.length < 2 || args.length > 3)
    throw invalid("The template function 'dateTimeAdd' expects 2 or 3 arguments.");
  if (args.length === 3) throw invalid("The ARM emulator's dateTimeAdd does not take a format argument.");
  const at = date("dateTimeAdd", args[0]);
  const text = typeof args[1] === "string" ? args[1] : "";
  const negative = text.startsWith("-");
  const m = DURATION.exec(negative ? text.slice(1) : text);
  if (!m || text === "P" || text.endsWith("T")) {
    throw invalid(
      `The template function 'dateTimeAdd' expects an ISO 8601 duration such as 'P1D' or 'PT1H', not '${text}'.`,
    );
  }
  const [years, months, weeks, days, hours, minutes, seconds] = m
    .slice(1)
    .map((v) => Number(v ?? 0) * (negative ? -1 : 1));
  const out = new Date(at.getTime());
  out.setUTCFullYear(
    out.getUTCFullYear() + years,
    out.getUTCMonth() + months,
    out.getUTCDate() + weeks * 7 + days,
  );
  out.setTime(out.getTime() + ((hours * 60 + minutes) * 60 + seconds) * 1000);
  return iso(out);
}

export const DATE_FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  datetimeadd: dateTimeAdd,
  datetimetoepoch: (args) => {
    if (args.length !== 1) throw invalid("The template function 'dateTimeToEpoch' expects 1 argument.");
    return Math.floor(date("dateTimeToEpoch", args[0]).getTime() / 1000);
  },
  datetimefromepoch: (args) => {
    if (args.length !== 1 || typeof args[0] !== "number" || !Number.isInteger(args[0])) {
      throw invalid("The template function 'dateTimeFromEpoch' expects an integer number of seconds.");
    }
    return iso(new Date(args[0] * 1000));
  },
};
