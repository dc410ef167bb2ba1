/**
 * Timer trigger schedules as the Functions host reads them: NCRONTAB expressions with six fields
 * ("{second} {minute} {hour} {day} {month} {day-of-week}", e.g. "0 *\/30 * * * *") or the classic
 * five without seconds, and TimeSpan intervals ("00:05:00", "1.00:00:00"). Times are UTC.
 * As in NCrontab, a day must match both the day-of-month and the day-of-week fields.
 */

export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

export class ScheduleError extends Error {
  constructor(expression: string, reason: string) {
    super(`Invalid schedule "${expression}": ${reason}`);
    this.name = "ScheduleError";
  }
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesStart?: number;
}

const FIELDS: FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesStart: 1 },
  // 7 is accepted as Sunday, as many crontab dialects do.
  { name: "day-of-week", min: 0, max: 7, names: DAYS, namesStart: 0 },
];

function parseValue(expression: string, spec: FieldSpec, text: string): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.namesStart ?? 0);
  if (!/^\d+$/.test(text)) throw new ScheduleError(expression, `"${text}" is not a valid ${spec.name}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw new ScheduleError(expression, `${spec.name} ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

function parseField(expression: string, spec: FieldSpec, text: string): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(",")) {
    const [rangeText, stepText, extra] = item.split("/");
    if (extra !== undefined || rangeText === "")
      throw new ScheduleError(expression, `bad ${spec.name} "${item}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(expression, `bad step in "${item}"`);
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = spec.min;
      to = spec.name === "day-of-week" ? 6 : spec.max;
    } else if (rangeText.includes("-")) {
      const [a, b] = rangeText.split("-");
      from = parseValue(expression, spec, a);
      to = parseValue(expression, spec, b);
      if (to < from) throw new ScheduleError(expression, `range "${rangeText}" runs backwards`);
    } else {
      from = parseValue(expression, spec, rangeText);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  if (spec.name === "day-of-week" && allowed[7]) allowed[0] = true;
  return allowed;
}

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  const span = TIMESPAN.exec(trimmed);
  if (span) {
    const [, days, hours, minutes, seconds] = span;
    const ms =
      (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds ?? 0)) * 1000;
    if (ms <= 0) throw new ScheduleError(expression, "the interval must be positive");
    return { next: (after) => new Date(after.getTime() + ms) };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new ScheduleError(expression, "expected 6 fields (second minute hour day month day-of-week) or 5");
  }
  const texts = parts.length === 5 ? ["0", ...parts] : parts;
  const [seconds, minutes, hours, days, months, weekdays] = texts.map((text, i) =>
    parseField(expression, FIELDS[i], text),
  );
  return {
    next(after: Date): Date {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      // Each step moves to the start of the next candidate month, day, hour, minute or second.
      for (let guard = 0; guard < 1_000_000; guard++) {
        if (!months[t.getUTCMonth() + 1]) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!days[t.getUTCDate()] || !weekdays[t.getUTCDay()]) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!hours[t.getUTCHours()]) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!minutes[t.getUTCMinutes()]) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else if (!seconds[t.getUTCSeconds()]) {
          t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
        } else return t;
      }
      throw new ScheduleError(expression, "it never occurs");
    },
  };
}
