/**
 * `ade entrypoint` (ours, not an ADE command): the core image's entrypoint (entrypoint.sh execs it)
 * as one process. Run as separate `ade` commands, every step would pay a node start (50–100 ms
 * here) and a connection of its own; here init, the operation's script, the uploads and the finished
 * notice share one process, one keep-alive connection and one log pump.
 *
 * "Initializing runner"; what `ade init --download-state` does; in the template's folder,
 * `[operation].sh` from the definition folder when ADE_ENABLE_CUSTOM_DEPLOY is "true" and it has
 * one, else from $ADE_SCRIPTS_DIR, run as `ade execute` runs it (without diff.sh), its stderr also
 * appended to $ADE_ERROR_LOG. Then, whatever happened: $ADE_STORAGE uploaded as storage.zip and
 * $ADE_OUTPUTS when not empty, side by side (a failure there fails a successful run; a state that
 * did not reach storage is EnvironmentStateNotSaved); on failure the operation's result (the exit
 * code's name and the last 16 KB of the error log); the finished notice with the exit code, which
 * is also this process's.
 * SIGTERM and SIGINT go to the script, and the steps after it still run.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, constants, openSync, readSync, fstatSync, writeSync } from "node:fs";
import { access, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { exitCodeName } from "../../src/core/exit-codes";
import { RunnerApi } from "./api";
import { parseFlags } from "./args";
import { initialize, uploadFolder, uploadOutputsFile } from "./commands";
import { asCliError, CliError } from "./errors";
import { forwardingSignals, newLogPump, runLogged } from "./execute";
import type { CliIo } from "./io";
import type { LogPump } from "./log-pump";
import { formatLogLines, type LogType } from "./logs";
import { adeRoot, apiSettings, type ApiSettings } from "./settings";

/** How much of the error log's end the failure's message carries. */
const ERROR_TAIL_BYTES = 16_000;

interface Paths {
  storage: string;
  outputs: string;
  errorLog: string;
  scripts: string;
}

export async function entrypointCommand(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, { values: [] });
  const settings = apiSettings(io.env);
  const scripts = io.env.ADE_SCRIPTS_DIR?.trim();
  if (!scripts) throw new CliError("CliSetupError", "ADE_SCRIPTS_DIR is not set (entrypoint.sh sets it).");
  const root = adeRoot(io.env);
  const paths: Paths = {
    storage: join(root, "storage"),
    outputs: join(root, "temp", "output.json"),
    errorLog: join(root, "temp", "error.log"),
    scripts: resolve(io.cwd, scripts),
  };
  // Made before init (which makes them too) so that the steps after a failed init still work.
  await mkdir(paths.storage, { recursive: true });
  await mkdir(dirname(paths.outputs), { recursive: true });
  await writeFile(paths.outputs, "", { flag: "a" });
  const errorLog = openSync(paths.errorLog, "a");
  try {
    const run = new EntrypointRun(io, settings, paths, errorLog);
    return await forwardingSignals((started) => run.run(started));
  } finally {
    closeSync(errorLog);
  }
}

class EntrypointRun {
  private readonly client: RunnerApi;
  /** Made once init has said which secure values to mask; until then lines wait in `early`. */
  private pump: LogPump | undefined;
  private readonly early: string[] = [];
  /** The process's io with stderr also appended to the error log. */
  private readonly io: CliIo;

  constructor(
    private readonly base: CliIo,
    private readonly settings: ApiSettings,
    private readonly paths: Paths,
    private readonly errorLog: number,
  ) {
    this.client = new RunnerApi(settings);
    this.io = {
      ...base,
      stderr: (text) => {
        base.stderr(text);
        this.appendError(text);
      },
    };
  }

  async run(started: (child: ChildProcess) => void): Promise<number> {
    this.note("verbose", "Initializing runner");
    let variables: Record<string, string> | undefined;
    const code = await this.step("init", async () => {
      variables = await initialize(this.client, this.base.env, true);
    });
    const pump = newLogPump(this.io, this.settings.token, this.client, { ...this.base.env, ...variables });
    for (const line of this.early.splice(0)) pump.push(line);
    this.pump = pump;
    const operated = variables ? await this.operate(variables, pump, started) : code;
    return this.finish(operated, variables?.ADE_OPERATION_NAME ?? this.base.env.ADE_OPERATION_NAME);
  }

  /** Finds the operation's script and runs it; resolves with its exit code. */
  private async operate(
    variables: Record<string, string>,
    pump: LogPump,
    started: (child: ChildProcess) => void,
  ): Promise<number> {
    if (await hasEntries(this.paths.storage)) {
      this.note("verbose", `Downloaded the environment state to ${this.paths.storage}`);
    }
    const folder = dirname(variables.ADE_TEMPLATE_FILE);
    this.note("verbose", `Working in the definition folder ${folder}`);
    const operation = variables.ADE_OPERATION_NAME;
    const custom =
      this.base.env.ADE_ENABLE_CUSTOM_DEPLOY === "true" ? await findScript(folder, operation) : undefined;
    const script = custom ?? (await findScript(this.paths.scripts, operation));
    if (!script) {
      return this.fail(
        `Operation ${operation} is not supported: no ${operation}.sh in ${this.paths.scripts}.`,
      );
    }
    if (
      !(await access(script, constants.X_OK).then(
        () => true,
        () => false,
      ))
    ) {
      return this.fail(`Script ${script} is not marked as executable.`);
    }
    this.note("verbose", `Executing ${script}`);
    return this.step("execute", () =>
      runLogged({
        command: script,
        operation,
        cwd: folder,
        env: { ...this.base.env, ...variables },
        pump,
        // Nothing runs after the script that would take over its variables.
        variablesDiff: false,
        stdout: this.io.stdout,
        stderr: this.io.stderr,
        started,
      }),
    );
  }

  /** The steps that run whatever happened before; resolves with the run's exit code. */
  private async finish(exitCode: number, operationName: string | undefined): Promise<number> {
    const [hasState, outputsBytes] = await Promise.all([
      hasEntries(this.paths.storage),
      stat(this.paths.outputs).then(
        ({ size }) => size,
        () => 0,
      ),
    ]);
    if (hasState) this.note("verbose", `Uploading environment state from ${this.paths.storage}`);
    if (outputsBytes > 0) this.note("verbose", "Uploading outputs");
    // Side by side: neither upload depends on the other.
    const [stateStatus, outputsStatus] = await Promise.all([
      hasState
        ? this.step("files upload", () =>
            uploadFolder(this.client, this.paths.storage, (message) => this.io.stderr(`ade: ${message}\n`)),
          )
        : 0,
      outputsBytes > 0
        ? this.step("outputs upload", () => uploadOutputsFile(this.client, this.paths.outputs))
        : 0,
    ]);
    // A failed state upload was retried until the operation's deadline, or is over a limit: either
    // way the state the script made is lost (the step's error, in the error log, says why).
    const stateLost = stateStatus !== 0;
    const code = exitCode || stateStatus || outputsStatus;
    let reported: Promise<unknown> = Promise.resolve();
    if (code !== 0) {
      let name: string = exitCodeName(code);
      if (stateLost) {
        name = "EnvironmentStateNotSaved";
        this.appendError(
          `The environment state in ${this.paths.storage} did not reach storage; the resources the script changed may not match the saved state.\n`,
        );
      }
      this.note("error", `Operation failed with ${name} (exit code ${code})`);
      const message = `${operationName || "The operation"} failed with ${name} (exit code ${code}): ${this.errorTail()}`;
      reported = this.step("operation-result", () => this.client.setResult({ code: name, message }));
    } else {
      this.note("log", "Operation completed successfully!");
    }
    // Every line reaches the log before the control plane hears the runner is done.
    await Promise.all([reported, this.pump?.close()]);
    await this.step("finished", () => this.client.finished({ exitCode: code }));
    return code;
  }

  /** Prints a message (errors to stderr) and adds it to the operation's log. */
  private note(type: LogType, message: string): void {
    if (type === "error") this.base.stderr(`${message}\n`);
    else this.base.stdout(`${message}\n`);
    for (const line of formatLogLines(type, message)) {
      if (this.pump) this.pump.push(line);
      else this.early.push(line);
    }
  }

  /** Ends the run as a DeploymentError whose details are the message. */
  private fail(message: string): number {
    this.note("error", message);
    this.appendError(`${message}\n`);
    return 1;
  }

  /**
   * Runs one step; resolves with its exit code (0 when it returns nothing). A failure is said on
   * stderr, and so in the error log, as the `ade` command of the same name would say it.
   */
  private async step(name: string, work: () => Promise<number | void>): Promise<number> {
    try {
      return (await work()) ?? 0;
    } catch (error) {
      const failure = asCliError(error);
      this.io.stderr(`ade ${name}: ${failure.codeName}: ${failure.message}\n`);
      return failure.exitCode;
    }
  }

  private appendError(text: string | Uint8Array): void {
    if (typeof text === "string") writeSync(this.errorLog, text);
    else writeSync(this.errorLog, text);
  }

  /**
   * The error log's last bytes without trailing newlines, from the first line that starts in them:
   * a cut inside a line could keep the end of a secure value, too little of it to be masked.
   */
  private errorTail(): string {
    const fd = openSync(this.paths.errorLog, "r");
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, ERROR_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      const read = readSync(fd, buffer, 0, length, size - length);
      let tail = buffer.subarray(0, read).toString("utf8").replace(/\n+$/, "");
      if (size > ERROR_TAIL_BYTES && tail.includes("\n")) tail = tail.slice(tail.indexOf("\n") + 1);
      return tail;
    } finally {
      closeSync(fd);
    }
  }
}

async function hasEntries(folder: string): Promise<boolean> {
  return ((await readdir(folder).catch(() => [])) as string[]).length > 0;
}

/** `{operation}.sh` in a folder, the name's case ignored (a regular file; the first by name). */
async function findScript(folder: string, operation: string): Promise<string | undefined> {
  const wanted = `${operation}.sh`.toLowerCase();
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const name = entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase() === wanted)
    .map((entry) => entry.name)
    .sort()[0];
  return name === undefined ? undefined : join(folder, name);
}
