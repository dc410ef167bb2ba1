/** `ade log`: lines for the operation's log. */
import { isValidFileName } from "../../src/runner-protocol/protocol";
import { RunnerApi } from "./api";
import { parseFlags, requiredFlag } from "./args";
import { CliError } from "./errors";
import type { CliIo } from "./io";
import { apiSettings } from "./settings";

export const LOG_TYPES = ["verbose", "log", "error"] as const;
export type LogType = (typeof LOG_TYPES)[number];

/** What each log line starts with: `{ISO time} [{type}] `. */
export function logLinePrefix(type: LogType, now = new Date()): string {
  return `${now.toISOString()} [${type}] `;
}

/** One log line per line of content: `{ISO time} [{type}] {text}`. */
export function formatLogLines(type: LogType, content: string, now = new Date()): string[] {
  const prefix = logLinePrefix(type, now);
  return content.split(/\r?\n/).map((line) => prefix + line);
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
