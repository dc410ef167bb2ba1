/**
 * What the project's command-line tools (`npm run migrate`, `npm run operations`) share: a usage
 * error, and running a tool's main with its exit code (0 done, 1 failed or found something, 2 bad
 * arguments, with a pointer to --help).
 */

/** Bad arguments: the tool exits 2 and points at --help. */
export class UsageError extends Error {}

export function runCommand(name: string, main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const usage =
        error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
      process.stderr.write(
        `${name}: ${(error as Error).message}\n${usage ? "Run with --help for the options.\n" : ""}`,
      );
      process.exit(usage ? 2 : 1);
    },
  );
}
