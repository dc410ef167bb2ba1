/**
 * Runs a container's image as a local process: the image maps to a local folder (the `images`
 * setting: exact image reference or prefix → folder); the process runs the container's command, else
 * `bash <folder>/entrypoint.sh`, in its own process group (so delete kills everything it started),
 * with combined stdout/stderr in a log file and a /tmp of its own ($TMPDIR). A small bash wrapper
 * writes the exit code to a file, so an emulator restarted after a crash still learns how a process it lost track of ended.
 */
import { ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { constants } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";

export interface RunSpec {
  image: string;
  command?: string[];
  /** All variables, secure ones included (never written anywhere but the process environment). */
  environment: Record<string, string>;
  /** The container's folder: holds root/ (ADE_ROOT, cwd), output.log and exitcode. */
  folder: string;
}

export type ImageResolution = { folder: string } | { error: string };

const WRAPPER = '"$@"; code=$?; echo "$code" > "$0"; exit "$code"';

export function containerRoot(folder: string): string {
  return join(folder, "root");
}

/** True while the process runs; a zombie (exited, not yet reaped by init after we restarted) is not alive. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    // No /proc (not Linux) or no such process: ask the kernel directly.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readExitCode(folder: string): number | undefined {
  try {
    const value = Number(readFileSync(join(folder, "exitcode"), "utf8").trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export class ContainerRuntime {
  private readonly children = new Map<number, ChildProcess>();
  private readonly watched = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly images: Record<string, string>,
    /** Called once when a process ends; exitCode is undefined if it cannot be known. */
    private readonly onExit: (pid: number, exitCode: number | undefined) => void,
    /** Variables the platform gives every process, below the container's own. */
    private readonly platformEnvironment: () => Record<string, string> = () => ({}),
  ) {}

  /** The local folder for an image: an exact match first, then the longest matching prefix. */
  resolveImage(image: string): ImageResolution {
    const match =
      this.images[image] !== undefined
        ? image
        : Object.keys(this.images)
            .filter((prefix) => image.startsWith(prefix))
            .sort((a, b) => b.length - a.length)[0];
    if (match === undefined) {
      return {
        error:
          `Failed to pull image "${image}": the ARM emulator maps images to local folders and has none for it. ` +
          `Map it with the ARM_EMULATOR_IMAGES setting, e.g. {"${image}": "runner/images/core"}.`,
      };
    }
    const folder = isAbsolute(this.images[match]) ? this.images[match] : resolve(this.images[match]);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      return {
        error: `Failed to pull image "${image}": ARM_EMULATOR_IMAGES maps it to ${folder}, which is not a folder.`,
      };
    }
    return { folder };
  }

  /** Starts the process; returns its pid. */
  start(spec: RunSpec, imageFolder: string): number {
    const root = containerRoot(spec.folder);
    mkdirSync(root, { recursive: true });
    // The container's own /tmp (ade execute leaves diff.sh there).
    const tmp = join(spec.folder, "tmp");
    mkdirSync(tmp, { recursive: true });
    const binFolder = join(imageFolder, "bin");
    const path = existsSync(binFolder) ? `${binFolder}${delimiter}${process.env.PATH}` : process.env.PATH;
    const argv = spec.command ?? ["bash", join(imageFolder, "entrypoint.sh")];
    const env = {
      PATH: path ?? "",
      HOME: root,
      TMPDIR: tmp,
      ...this.platformEnvironment(),
      ...spec.environment,
      ADE_ROOT: root,
    };
    const output = openSync(join(spec.folder, "output.log"), "a");
    try {
      const child = spawn("bash", ["-c", WRAPPER, join(spec.folder, "exitcode"), ...argv], {
        cwd: root,
        env,
        detached: true,
        stdio: ["ignore", output, output],
      });
      // A failed spawn also emits "error"; without a listener it would crash the emulator.
      child.once("error", () => undefined);
      if (child.pid === undefined) throw new Error(`Could not start ${argv[0]}.`);
      const pid = child.pid;
      this.children.set(pid, child);
      child.once("exit", (code, signal) => {
        this.children.delete(pid);
        this.onExit(pid, code ?? (signal ? 128 + constants.signals[signal] : undefined));
      });
      return pid;
    } finally {
      closeSync(output);
    }
  }

  /** After a restart: follow a process this emulator did not start; report it when it is gone. */
  adopt(pid: number, folder: string): void {
    if (!isAlive(pid)) {
      this.onExit(pid, readExitCode(folder));
      return;
    }
    const timer = setInterval(() => {
      if (isAlive(pid)) return;
      clearInterval(timer);
      this.watched.delete(pid);
      this.onExit(pid, readExitCode(folder));
    }, 250);
    this.watched.set(pid, timer);
  }

  /** Kills the process group and resolves once the process is gone. */
  async kill(pid: number): Promise<void> {
    const child = this.children.get(pid);
    const exited = child ? new Promise<void>((done) => child.once("exit", () => done())) : undefined;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    if (exited) await exited;
    else {
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    }
  }

  logs(folder: string, tail?: number): string {
    let text: string;
    try {
      text = readFileSync(join(folder, "output.log"), "utf8");
    } catch {
      return "";
    }
    if (tail === undefined) return text;
    const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
    return lines.slice(-tail).join("\n") + (text.endsWith("\n") && tail > 0 ? "\n" : "");
  }

  /** Stops following adopted processes (they keep running). */
  close(): void {
    for (const timer of this.watched.values()) clearInterval(timer);
    this.watched.clear();
  }
}
