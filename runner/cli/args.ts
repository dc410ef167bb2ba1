/** A small, strict command-line parser: `--name value`, `--name=value` and boolean switches. */
import { CliError } from "./errors";

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Flags that are on when present. */
  switches?: readonly string[];
}

export interface ParsedFlags {
  values: Map<string, string>;
  switches: Set<string>;
}

/**
 * Parses the flags after the command words. The token after a value flag is always its value, even
 * when it starts with "--" (log content often does). Unknown flags and stray words are errors.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new CliError("InvalidCliInput", `Unexpected argument "${arg}".`);
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (spec.values.includes(name)) {
      if (eq > 0) {
        values.set(name, arg.slice(eq + 1));
      } else {
        if (i + 1 >= args.length) throw new CliError("InvalidCliInput", `--${name} needs a value.`);
        values.set(name, args[++i]);
      }
    } else if (spec.switches?.includes(name) && eq < 0) {
      switches.add(name);
    } else {
      throw new CliError("InvalidCliInput", `Unknown option --${name}.`);
    }
  }
  return { values, switches };
}

export function requiredFlag(flags: ParsedFlags, name: string): string {
  const value = flags.values.get(name);
  if (value === undefined || value === "") throw new CliError("InvalidCliInput", `--${name} is required.`);
  return value;
}
