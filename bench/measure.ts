/**
 * The shared shape of a benchmark figure: a measurement repeated (at least 3 runs), printed as
 * min/median/max beside its reference measured in the same process, with the ratio of the medians and
 * the target it is held to. The machine is shared and noisy, so ratios carry the meaning, not seconds.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("spread of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** The p-th percentile (nearest rank) of some values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs `measure` `runs` times one after another and returns each run's value. */
export async function repeat(runs: number, measure: (run: number) => Promise<number>): Promise<number[]> {
  const values: number[] = [];
  for (let run = 0; run < runs; run++) values.push(await measure(run));
  return values;
}

/** Seconds `work` takes. */
export async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

export interface Target {
  /** The figure's median ÷ the reference's median must not exceed this. */
  maxRatio?: number;
  /** The figure's median must not exceed this (in the figure's unit). */
  max?: number;
  /** The figure's median must be at least this (in the figure's unit). */
  min?: number;
}

export interface Figure {
  label: string;
  unit: string;
  values: readonly number[];
  reference?: { label: string; values: readonly number[] };
  target?: Target;
}

function format(value: number): string {
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3);
}

function formatSpread(values: readonly number[], unit: string): string {
  const { min, median, max } = spread(values);
  return `${format(min)}/${format(median)}/${format(max)} ${unit}`;
}

/** Whether a figure meets its target; undefined when it has none. */
export function meets(figure: Figure): boolean | undefined {
  const { target } = figure;
  if (!target) return undefined;
  const median = spread(figure.values).median;
  const ratio = figure.reference ? median / spread(figure.reference.values).median : undefined;
  if (target.maxRatio !== undefined && (ratio === undefined || ratio > target.maxRatio)) return false;
  if (target.max !== undefined && median > target.max) return false;
  if (target.min !== undefined && median < target.min) return false;
  return true;
}

/** One line: label, min/median/max (n runs), reference and ratio, the target and whether it is met. */
export function describe(figure: Figure): string {
  const parts = [
    `${figure.label}: ${formatSpread(figure.values, figure.unit)} (min/median/max of ${figure.values.length})`,
  ];
  if (figure.reference) {
    const ratio = spread(figure.values).median / spread(figure.reference.values).median;
    parts.push(
      `vs ${figure.reference.label} ${formatSpread(figure.reference.values, figure.unit)}: ratio ${ratio.toFixed(2)}`,
    );
  }
  const { target } = figure;
  if (target) {
    const wanted = [
      target.maxRatio !== undefined ? `ratio ≤ ${target.maxRatio}` : undefined,
      target.max !== undefined ? `≤ ${target.max} ${figure.unit}` : undefined,
      target.min !== undefined ? `≥ ${target.min} ${figure.unit}` : undefined,
    ].filter(Boolean);
    parts.push(`target ${wanted.join(", ")}: ${meets(figure) ? "met" : "MISSED"}`);
  }
  return parts.join("; ");
}

export function print(figure: Figure): void {
  process.stdout.write(`${describe(figure)}\n`);
}

/**
 * CPU seconds a process has used so far (Linux /proc, in clock ticks of 1/100 s); with `children`,
 * those of its ended children instead (e.g. the runners the ARM emulator ran as processes).
 */
export function cpuSeconds(pid: number | "self", children = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const [user, system] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
  return (Number(user) + Number(system)) / 100;
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}
