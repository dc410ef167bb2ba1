import { execFileSync } from "node:child_process";
import { ADE_EXIT_CODES } from "../../../src/core/exit-codes";
import { isValidFileName } from "../../../src/runner-protocol/protocol";
import { parseFlags } from "../../../runner/cli/args";
import { shellQuote } from "../../../runner/cli/commands";
import { formatLogLines } from "../../../runner/cli/logs";
import { runCli } from "../../../runner/cli/main";
import type { CliIo } from "../../../runner/cli/io";

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    env,
    cwd: process.cwd(),
    stdout: (t) => out.push(String(t)),
    stderr: (t) => err.push(String(t)),
  };
  return { cli, out, err };
}

describe("ade flags", () => {
  it("take values after the flag or after =, even values that start with --", () => {
    const flags = parseFlags(["--content", "--- section ---", "--type=error"], {
      values: ["content", "type"],
    });
    expect(flags.values.get("content")).toBe("--- section ---");
    expect(flags.values.get("type")).toBe("error");
  });

  it("give an empty value to a flag followed by another of the command's flags (an unset variable)", () => {
    const flags = parseFlags(["--type", "verbose", "--operation", "--content", "text"], {
      values: ["content", "type", "operation"],
    });
    expect(flags.values.get("operation")).toBe("");
    expect(flags.values.get("content")).toBe("text");
  });

  it("take every word up to the next flag for the words flag", () => {
    const flags = parseFlags(["--command", "/scripts/deploy.sh", "a b", "c", "--operation", "deploy"], {
      values: ["command", "operation"],
      words: "command",
    });
    expect(flags.values.get("command")).toBe("/scripts/deploy.sh a b c");
    expect(flags.words).toEqual(["/scripts/deploy.sh", "a b", "c"]);
    expect(flags.values.get("operation")).toBe("deploy");
    expect(() => parseFlags(["--content", "a", "b"], { values: ["content"] })).toThrow(
      'Unexpected argument "b"',
    );
  });

  it("know switches", () => {
    const flags = parseFlags(["--unzip", "--file-name", "a.zip"], {
      values: ["file-name"],
      switches: ["unzip"],
    });
    expect(flags.switches.has("unzip")).toBe(true);
  });

  it.each([
    [["--nope", "x"], "Unknown option --nope"],
    [["--content"], "--content needs a value"],
    [["stray"], 'Unexpected argument "stray"'],
  ])("refuse %j", (args, message) => {
    expect(() => parseFlags(args, { values: ["content"] })).toThrow(message);
  });
});

describe("ade", () => {
  it.each([
    [["frobnicate"], ADE_EXIT_CODES.InvalidCliInput, "Unknown command"],
    [[], ADE_EXIT_CODES.InvalidCliInput, "No command"],
    [["files", "list"], ADE_EXIT_CODES.InvalidEndpoint, "ADE_RUNNER_ENDPOINT"],
    [["log", "--type", "loud", "--content", "x"], ADE_EXIT_CODES.InvalidCliInput, "--type must be one of"],
    [["log"], ADE_EXIT_CODES.InvalidCliInput, "--content is required"],
    [["files", "upload"], ADE_EXIT_CODES.InvalidCliInput, "either --file-path or --folder-path"],
    [["finished", "--exit-code", "-1"], ADE_EXIT_CODES.InvalidCliInput, "0 to 255"],
    [["entrypoint", "--now"], ADE_EXIT_CODES.InvalidCliInput, "Unknown option --now"],
  ])("%j exits with %i and says why on stderr", async (argv, code, message) => {
    const { cli, out, err } = io();
    expect(await runCli(argv, cli)).toBe(code);
    expect(out).toEqual([]);
    expect(err.join("")).toContain(message);
  });

  it("names each missing variable with its own exit code", async () => {
    const full = {
      ADE_RUNNER_ENDPOINT: "http://127.0.0.1:9/runner/projects/p",
      ADE_HTTP__OPERATIONID: "8d0c59b4-4ac6-4d5c-8c0a-4d6b2b0d3f11",
      ADE_HTTP__DEVCENTERID: "devcenter",
      ADE_RUNNER_TOKEN: "token",
    };
    const without = (name: keyof typeof full) =>
      Object.fromEntries(Object.entries(full).filter(([k]) => k !== name));
    expect(await runCli(["environment"], io(without("ADE_HTTP__OPERATIONID")).cli)).toBe(
      ADE_EXIT_CODES.InvalidOperationId,
    );
    expect(await runCli(["environment"], io(without("ADE_HTTP__DEVCENTERID")).cli)).toBe(
      ADE_EXIT_CODES.InvalidDevCenterId,
    );
    expect(await runCli(["environment"], io(without("ADE_RUNNER_TOKEN")).cli)).toBe(
      ADE_EXIT_CODES.SecurityError,
    );
    expect(await runCli(["environment"], io({ ...full, ADE_RUNNER_ENDPOINT: "ftp://x" }).cli)).toBe(
      ADE_EXIT_CODES.InvalidEndpoint,
    );
    // Before any request: the entrypoint cannot find a script without the image's scripts folder.
    const entrypoint = io(full);
    expect(await runCli(["entrypoint"], entrypoint.cli)).toBe(ADE_EXIT_CODES.CliSetupError);
    expect(entrypoint.err.join("")).toContain("ADE_SCRIPTS_DIR is not set");
  });

  it("info prints the identity's ids, as ADE's 2.3.3-preview entrypoint reads them", async () => {
    const { cli, out } = io({ ADE_CLIENT_ID: "client-1", ADE_TENANT_ID: "tenant-1" });
    expect(await runCli(["info", "client-id"], cli)).toBe(0);
    expect(await runCli(["info", "tenant-id"], cli)).toBe(0);
    expect(out).toEqual(["client-1\n", "tenant-1\n"]);
    const missing = io();
    expect(await runCli(["info", "client-id"], missing.cli)).toBe(ADE_EXIT_CODES.CliSetupError);
    expect(await runCli(["info", "secret"], missing.cli)).toBe(ADE_EXIT_CODES.InvalidCliInput);
  });

  it("prints its usage for --help", async () => {
    const { cli, out } = io();
    expect(await runCli(["--help"], cli)).toBe(0);
    expect(out.join("")).toContain("operation-result --code C --message M");
  });
});

describe("ade init output", () => {
  it("quotes values so that eval in bash gives them back unchanged", () => {
    const values = ["plain", "it's", 'say "hi" $HOME `id` $(id) \\n', "multi\nline", '{"a":[1,"b c"]}', ""];
    const script = values.map((v, i) => `export V${i}=${shellQuote(v)}`).join("\n");
    const printed = execFileSync(
      "bash",
      ["-c", `eval "$1"; for i in 0 1 2 3 4 5; do n=V$i; printf '%s\\0' "\${!n}"; done`, "_", script],
      {
        encoding: "utf8",
      },
    );
    expect(printed.split("\0").slice(0, -1)).toEqual(values);
  });
});

describe("log lines", () => {
  it("are one per line of content, with time and type", () => {
    const now = new Date("2026-01-02T03:04:05.006Z");
    expect(formatLogLines("error", "first\r\nsecond", now)).toEqual([
      "2026-01-02T03:04:05.006Z [error] first",
      "2026-01-02T03:04:05.006Z [error] second",
    ]);
  });
});

describe("environment file names", () => {
  it.each(["storage.zip", "environment.tfstate", ".terraformrc", "a", "my file (1).txt", "x+y@z=1,2"])(
    "accept %j",
    (name) => expect(isValidFileName(name)).toBe(true),
  );
  it.each([
    "",
    ".",
    "..",
    "a/b",
    "..\\x",
    "a%2Fb",
    "trailing.",
    "trailing ",
    " leading",
    "x".repeat(256),
    "tab\t",
  ])("refuse %j", (name) => expect(isValidFileName(name)).toBe(false));
});

describe("ade reading the files it is given", () => {
  it("refuses a device instead of reading it forever", async () => {
    const { cli, err } = io({
      ADE_RUNNER_ENDPOINT: "http://127.0.0.1:9/runner/projects/demo",
      ADE_HTTP__OPERATIONID: "6f1c9a52-5a0e-4c3e-9d37-0c6f9f3f2b11",
      ADE_HTTP__DEVCENTERID: "dc",
      ADE_RUNNER_TOKEN: "t".repeat(32),
    });
    expect(await runCli(["outputs", "upload", "--file", "/dev/zero"], cli)).toBe(
      ADE_EXIT_CODES.FileOperationError,
    );
    expect(err.join("")).toContain("/dev/zero is not a regular file");
  });
});
