/** A small, strict command-line parser: `--name value`, `--name=value` and boolean switches. */
import { CliError } from "./errors";

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Flags that are on when present. */
  switches?: readonly string[];
  /**
   * The one value flag that takes every word after it up to the next flag of this command, joined
   * with spaces (`--command $*` passes a command as several words).
   */
  words?: string;
}

export interface ParsedFlags {
  values: Map<string, string>;
  switches: Set<string>;
  /** The separate words of the `words` flag, when given. */
  words?: string[];
}

function flagName(arg: string): string {
  const eq = arg.indexOf("=");
  return eq > 0 ? arg.slice(2, eq) : arg.slice(2);
}

/**
 * Parses the flags after the command words. The token after a value flag is its value, even when it
 * starts with "--" (log content often does), unless it is one of this command's own flags: then the
 * value is empty. That is what `--operation $UNSET --content x` leaves after the shell drops the
 * empty word, and ADE's CLI does not take `--content` as the operation either.
 * Unknown flags and stray words are errors.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let wordList: string[] | undefined;
  const isOwnFlag = (arg: string | undefined) =>
    arg !== undefined &&
    arg.startsWith("--") &&
    (spec.values.includes(flagName(arg)) || (spec.switches?.includes(flagName(arg)) ?? false));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new CliError("InvalidCliInput", `Unexpected argument "${arg}".`);
    const eq = arg.indexOf("=");
    const name = flagName(arg);
    if (spec.values.includes(name)) {
      const words: string[] = eq > 0 ? [arg.slice(eq + 1)] : [];
      if (eq < 0) {
        if (i + 1 >= args.length) throw new CliError("InvalidCliInput", `--${name} needs a value.`);
        if (!isOwnFlag(args[i + 1])) words.push(args[++i]);
      }
      if (name === spec.words) {
        while (i + 1 < args.length && !isOwnFlag(args[i + 1])) words.push(args[++i]);
        wordList = words;
      }
      values.set(name, words.join(" "));
    } else if (spec.switches?.includes(name) && eq < 0) {
      switches.add(name);
    } else {
      throw new CliError("InvalidCliInput", `Unknown option --${name}.`);
    }
  }
  return { values, switches, ...(wordList && { words: wordList }) };
}

export function requiredFlag(flags: ParsedFlags, name: string): string {
  const value = flags.values.get(name);
  if (value === undefined || value === "") throw new CliError("InvalidCliInput", `--${name} is required.`);
  return value;
}
