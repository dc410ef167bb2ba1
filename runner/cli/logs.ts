/** `ade log` and `ade execute`: lines for the operation's log. */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { isValidFileName } from "../../src/runner-protocol/protocol";
import { RunnerApi } from "./api";
import { parseFlags, requiredFlag } from "./args";
import { CliError } from "./errors";
import type { CliIo } from "./io";
import { LogPump } from "./log-pump";
import { apiSettings, logPumpSettings } from "./settings";

export const LOG_TYPES = ["verbose", "log", "error"] as const;
export type LogType = (typeof LOG_TYPES)[number];

/** One log line per line of content: `{ISO time} [{type}] {text}`. */
export function formatLogLines(type: LogType, content: string, now = new Date()): string[] {
  const time = now.toISOString();
  return content.split(/\r?\n/).map((line) => `${time} [${type}] ${line}`);
}

export async function logCommand(args: string[], io: CliIo): Promise<number> {
  // --operation is accepted because the ADE images' helper functions pass it.
  const flags = parseFlags(args, { values: ["content", "type", "file", "operation"] });
  const content = requiredFlag(flags, "content");
  const type = flags.values.get("type") ?? "log";
  if (!(LOG_TYPES as readonly string[]).includes(type)) {
    throw new CliError("InvalidCliInput", `--type must be one of ${LOG_TYPES.join(", ")}, not "${type}".`);
  }
  const file = flags.values.get("file");
  if (file !== undefined && !isValidFileName(file)) {
    throw new CliError(
      "InvalidCliInput",
      `--file "${file}" is not a valid log file name (one name, no folders).`,
    );
  }
  const text = formatLogLines(type as LogType, content)
    .map((line) => `${line}\n`)
    .join("");
  await new RunnerApi(apiSettings(io.env)).appendLog(text, { file });
  return 0;
}

/**
 * Runs the command through the shell, passing its output on to ours and, line by line, through the
 * log pump (stdout as "log", stderr as "error"). Exits with the command's exit code.
 */
export async function executeCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, { values: ["operation", "command"] });
  const command = requiredFlag(flags, "command");
  const operation = flags.values.get("operation");
  const api = new RunnerApi(apiSettings(io.env));
  const pump = new LogPump({
    ...logPumpSettings(io.env),
    send: (text) => api.appendLog(text, { retry: false }),
    isRetryable: (error) => error instanceof CliError && error.retryable,
    onDrop: (lines, error) =>
      io.stderr(
        `ade: ${lines} log line(s) could not be sent: ${error instanceof Error ? error.message : error}\n`,
      ),
  });
  for (const line of formatLogLines("verbose", `Executing${operation ? ` ${operation}` : ""}: ${command}`)) {
    pump.push(line);
  }

  const child = spawn(command, { shell: true, cwd: io.cwd, env: io.env, stdio: ["inherit", "pipe", "pipe"] });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGTERM", forward).on("SIGINT", forward);
  const streamed = [
    pipeLines(child.stdout, io.stdout, (line) => formatLogLines("log", line).forEach((l) => pump.push(l))),
    pipeLines(child.stderr, io.stderr, (line) => formatLogLines("error", line).forEach((l) => pump.push(l))),
  ];
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  }).finally(() => process.off("SIGTERM", forward).off("SIGINT", forward));
  await Promise.all(streamed);
  await pump.close();
  return exitCode;
}

/** Copies a stream to `write` as it comes and hands each complete line to `onLine`. */
function pipeLines(
  stream: Readable,
  write: (chunk: Uint8Array) => void,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const take = (text: string) => {
    const lines = (pending + text).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  };
  stream.on("data", (chunk: Buffer) => {
    write(chunk);
    take(decoder.write(chunk));
  });
  return new Promise((resolve, reject) => {
    stream.once("error", reject);
    stream.once("end", () => {
      take(decoder.end());
      if (pending) onLine(pending);
      resolve();
    });
  });
}
