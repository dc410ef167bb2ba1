/** Console output of the dev host: host messages and the functions' own logs, tagged with the function name. */
import type { LogLevel } from "./worker-types";

export interface HostLogger {
  /** Messages of the host itself ("listening on", recovery, failures of the host's own machinery). */
  host(level: LogLevel, message: string): void;
  /** context.log and friends, and the library's system messages about one invocation. */
  fn(functionName: string, level: LogLevel, message: string): void;
}

export interface LoggerOptions {
  /** Drop function logs and host information; host warnings and errors are still printed. */
  quiet?: boolean;
  /** Also print debug and trace lines (each invocation, each orchestration episode). */
  verbose?: boolean;
  /** Where lines go (default: stdout for information and below, stderr for warnings and errors). */
  write?: (line: string, level: LogLevel) => void;
}

const severity: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

function defaultWrite(line: string, level: LogLevel): void {
  if (severity[level] >= severity.warning) process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
}

export function createLogger(options: LoggerOptions = {}): HostLogger {
  const write = options.write ?? defaultWrite;
  const stamp = () => new Date().toISOString();
  const hidden = (level: LogLevel) =>
    level === "none" || (!options.verbose && severity[level] < severity.information);
  return {
    host(level, message) {
      if (hidden(level) || (options.quiet && severity[level] < severity.warning)) return;
      write(`[${stamp()}] ${message}`, level);
    },
    fn(functionName, level, message) {
      if (hidden(level) || options.quiet) return;
      write(`[${stamp()}] [${functionName}] ${message}`, level);
    },
  };
}
