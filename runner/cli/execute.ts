/**
 * `ade execute`: runs a command, passing its output on and, line by line, to the operation's log;
 * then leaves the variables the command exported in `$TMPDIR/diff.sh` (`/tmp/diff.sh` in a
 * container), which ADE's `executeCommand` helper sources so that the caller sees them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, openSync, readSync, closeSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { parseFlags, requiredFlag } from "./args";
import { api as runnerApi, shellQuote } from "./commands";
import { CliError } from "./errors";
import type { CliIo } from "./io";
import { LogPump } from "./log-pump";
import { formatLogLines, logLinePrefix, type LogType } from "./logs";
import type { RunnerApi } from "./api";
import { secureValuesToMask } from "./secure-values";
import { apiSettings, logPumpSettings } from "./settings";

/** The file `executeCommand` sources after `ade execute` (ADE's helpers read /tmp/diff.sh). */
export function variablesDiffFile(env: Record<string, string | undefined>): string {
  return join(env.TMPDIR?.trim() || "/tmp", "diff.sh");
}

/**
 * The command runs in bash. A shell script given as the first word is sourced (with $0 set to its
 * path, so `dirname "$0"` still finds its neighbours) so that its exports can be read at its end;
 * anything else is run as a command line. The EXIT trap, when the variables are wanted, writes them.
 */
const RUN_EVAL = 'eval "$ADE_EXECUTE_COMMAND"';
const RUN_SOURCE = 'source "$0" "$@"';
const DUMP_TRAP = "trap 'env -0 > \"$ADE_EXECUTE_DUMP\"' EXIT; ";

/** Variables bash sets or changes by itself: not the command's doing. */
const SHELL_OWN = new Set(["_", "PWD", "OLDPWD", "SHLVL", "ADE_EXECUTE_DUMP", "ADE_EXECUTE_COMMAND"]);

/** An executable file whose name ends in .sh or whose #! line names a shell. */
function isShellScript(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    if (path.endsWith(".sh")) return true;
    const head = Buffer.alloc(128);
    const fd = openSync(path, "r");
    const read = (() => {
      try {
        return readSync(fd, head, 0, head.length, 0);
      } finally {
        closeSync(fd);
      }
    })();
    return /^#!\s*\S*\b(ba)?sh\b/.test(head.subarray(0, read).toString("utf8").split("\n")[0]);
  } catch {
    return false;
  }
}

/** `export`/`unset` lines that turn the variables `before` into `after` (NUL-separated NAME=value). */
export function variablesDiff(before: Record<string, string | undefined>, after: string): string {
  const now = new Map<string, string>();
  for (const entry of after.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) now.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const lines: string[] = [];
  const isName = (name: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !SHELL_OWN.has(name);
  for (const [name, value] of now) {
    if (isName(name) && before[name] !== value) lines.push(`export ${name}=${shellQuote(value)}`);
  }
  for (const name of Object.keys(before)) {
    if (isName(name) && before[name] !== undefined && !now.has(name)) lines.push(`unset ${name}`);
  }
  return lines.map((line) => `${line}\n`).join("");
}

export async function executeCommand(args: string[], io: CliIo): Promise<number> {
  const spec = { values: ["operation", "command"], words: "command" };
  const flags = parseFlags(args, spec);
  const command = requiredFlag(flags, "command");
  const pump = newLogPump(io, apiSettings(io.env).token, runnerApi(io));
  return forwardingSignals(async (started) => {
    const exitCode = await runLogged({
      command,
      words: flags.words,
      operation: flags.values.get("operation"),
      cwd: io.cwd,
      env: io.env,
      pump,
      variablesDiff: true,
      stdout: io.stdout,
      stderr: io.stderr,
      started,
    });
    await pump.close();
    return exitCode;
  });
}

/**
 * The pump that sends a command's output to the operation's log, masking the token and the secure
 * parameter values `env` names (init's variables); what it drops is said on stderr.
 */
export function newLogPump(io: CliIo, token: string, api: RunnerApi, env = io.env): LogPump {
  const warn = (message: string) => io.stderr(`ade: ${message}\n`);
  return new LogPump({
    ...logPumpSettings(io.env),
    secrets: [token, ...secureValuesToMask(env, warn)],
    send: (text) => api.appendLog(text, { retry: false }),
    isRetryable: (error) => error instanceof CliError && error.retryable,
    onDrop: (lines, error) =>
      io.stderr(
        `ade: ${lines} log line(s) could not be sent: ${error instanceof Error ? error.message : error}\n`,
      ),
  });
}

/**
 * Runs `work` with SIGTERM and SIGINT passed on to the child it starts. Signals that come before the
 * child runs are kept for it: the handlers are in place first, so a SIGTERM can never end this
 * process without the command hearing of it.
 */
export async function forwardingSignals<T>(
  work: (started: (child: ChildProcess) => void) => Promise<T>,
): Promise<T> {
  let child: ChildProcess | undefined;
  let pending: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    if (child) child.kill(signal);
    else pending = signal;
  };
  process.on("SIGTERM", forward).on("SIGINT", forward);
  try {
    return await work((spawned) => {
      child = spawned;
      if (pending) spawned.kill(pending);
    });
  } finally {
    process.off("SIGTERM", forward).off("SIGINT", forward);
  }
}

export interface LoggedRun {
  /** The command line, and its separate words when it was given as several. */
  command: string;
  words?: string[];
  /** The operation named in the log's "Executing" line. */
  operation?: string;
  cwd: string;
  /** The command's environment ($TMPDIR in it says where diff.sh goes). */
  env: Record<string, string | undefined>;
  /** Gets the command's lines; left open for the caller to close. */
  pump: LogPump;
  /** Leave the variables the command exported in diff.sh (what `ade execute` promises). */
  variablesDiff: boolean;
  stdout(chunk: Uint8Array | string): void;
  stderr(chunk: Uint8Array | string): void;
  started(child: ChildProcess): void;
}

/**
 * Runs a command as `ade execute` does: its output passed on and to the log line by line, then
 * (with `variablesDiff`) the variables it exported left in diff.sh. Resolves with its exit code once
 * every line is queued.
 */
export async function runLogged(run: LoggedRun): Promise<number> {
  const { command, operation, pump } = run;
  for (const line of formatLogLines("verbose", `Executing${operation ? ` ${operation}` : ""}: ${command}`)) {
    pump.push(line);
  }
  const [first, ...rest] = run.words ?? [command];
  const script = resolve(run.cwd, first);
  const [body, ...args] = isShellScript(script) ? [RUN_SOURCE, script, ...rest] : [RUN_EVAL, "ade-execute"];
  if (!run.variablesDiff) return runBash(run, ["-c", body, ...args], {});
  const work = await mkdtemp(join(run.env.TMPDIR?.trim() || "/tmp", "ade-execute-"));
  const dump = join(work, "variables");
  try {
    const exitCode = await runBash(run, ["-c", DUMP_TRAP + body, ...args], { ADE_EXECUTE_DUMP: dump });
    await writeVariablesDiff(run, dump);
    return exitCode;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs bash with `argv`, its output to the caller and the log; resolves with its exit code. */
async function runBash(run: LoggedRun, argv: string[], extraEnv: Record<string, string>): Promise<number> {
  const { pump } = run;
  const child = spawn("bash", argv, {
    cwd: run.cwd,
    env: { ...run.env, ...extraEnv, ADE_EXECUTE_COMMAND: run.command },
    stdio: ["inherit", "pipe", "pipe"],
  });
  run.started(child);
  // Lines that arrive together share one timestamp: formatting a time per line would cost a
  // script that prints fast more than sending its lines does.
  const logged = (type: LogType) => (lines: string[]) => {
    const prefix = logLinePrefix(type);
    for (const line of lines) pump.push(prefix + line);
  };
  const streamed = [
    pipeLines(child.stdout!, run.stdout, logged("log")),
    pipeLines(child.stderr!, run.stderr, logged("error")),
  ];
  const exitCode = await new Promise<number>((done, fail) => {
    child.once("error", fail);
    child.once("close", (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  await Promise.all(streamed);
  return exitCode;
}

/** Writes diff.sh; when the command left no variables (it replaced the EXIT trap), says so. */
async function writeVariablesDiff(run: LoggedRun, dump: string): Promise<void> {
  const after = await readFile(dump, "utf8").catch(() => undefined);
  const target = variablesDiffFile(run.env);
  if (after === undefined) {
    run.stderr(`ade execute: the command's exported variables could not be read; ${target} is empty.\n`);
  }
  await writeFile(target, after === undefined ? "" : variablesDiff(run.env, after), { mode: 0o600 });
}

/** Copies a stream to `write` as it comes and hands the complete lines of each chunk to `onLines`. */
function pipeLines(
  stream: Readable,
  write: (chunk: Uint8Array) => void,
  onLines: (lines: string[]) => void,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const take = (text: string) => {
    const lines = (pending + text).split("\n");
    pending = lines.pop() ?? "";
    if (lines.length > 0) onLines(lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)));
  };
  stream.on("data", (chunk: Buffer) => {
    write(chunk);
    take(decoder.write(chunk));
  });
  return new Promise((done, fail) => {
    stream.once("error", fail);
    stream.once("end", () => {
      take(decoder.end());
      if (pending) onLines([pending]);
      done();
    });
  });
}
