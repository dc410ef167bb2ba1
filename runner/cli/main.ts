/** `ade`: the CLI runner images use to talk to the control plane (the ADE CLI contract). */
import {
  definitionsCommand,
  environmentCommand,
  filesCommand,
  finishedCommand,
  infoCommand,
  initCommand,
  operationResultCommand,
  outputsCommand,
  upgradeCommand,
} from "./commands";
import { entrypointCommand } from "./entrypoint";
import { asCliError, CliError } from "./errors";
import type { CliIo } from "./io";
import { executeCommand } from "./execute";
import { logCommand } from "./logs";

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  init: initCommand,
  environment: environmentCommand,
  definitions: definitionsCommand,
  files: filesCommand,
  log: logCommand,
  execute: executeCommand,
  outputs: outputsCommand,
  "operation-result": operationResultCommand,
  upgrade: upgradeCommand,
  info: infoCommand,
  finished: finishedCommand,
  entrypoint: entrypointCommand,
};

export const USAGE = `Usage: ade <command> [options]

  init                                   print export lines of the ADE variables, download the definition
  environment                            print the environment (JSON)
  definitions list                       print the environment definition (JSON)
  definitions download [--folder-path P] download the definition's files (default ./EnvironmentDefinition)
  files list                             print the environment's files (JSON)
  files download --file-name N [--folder-path P] [--unzip]
  files upload (--file-path F | --folder-path P)
  log --content C [--type verbose|log|error] [--file N]
  execute --operation O --command C      run C, logging its output; exit with its exit code
  outputs upload --file F                upload EnvironmentOutputs JSON
  operation-result --code C --message M  report why the operation failed
  upgrade                                print nothing when this CLI is current
  info client-id|tenant-id               print the runner identity's client or tenant id
  finished --exit-code N                 tell the control plane the runner is done
  entrypoint                             the core image's entrypoint: init, the operation's script,
                                         uploads, result and finished in one process
`;

/** Runs one command line; resolves with the exit code (ADE exit codes; errors explained on stderr). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const command = name === undefined ? undefined : COMMANDS[name];
    if (!command || !Object.prototype.hasOwnProperty.call(COMMANDS, name)) {
      throw new CliError(
        "InvalidCliInput",
        `${name ? `Unknown command "${name}".` : "No command."}\n${USAGE}`,
      );
    }
    return await command(args, io);
  } catch (error) {
    const failure = asCliError(error);
    io.stderr(`ade ${name ?? ""}: ${failure.codeName}: ${failure.message}\n`);
    return failure.exitCode;
  }
}
