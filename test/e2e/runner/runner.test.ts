/**
 * The runner end to end: the real core entrypoint.sh and the bundled ade CLI, run as local processes
 * against the compiled app in the dev host (needs npm run build), with Azurite behind it. Operations
 * are seeded as the orchestration leaves them when it starts a runner; there is no orchestration
 * instance, so the last step (`ade finished`) is told so (its delivery is in api.test.ts).
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { ADE_EXIT_CODES } from "../../../src/core/exit-codes";
import { MAX_ENVIRONMENT_FILE_BYTES } from "../../../src/core/limits";
import { CONTAINERS } from "../../../src/storage/records";
import { IMAGE, PROJECT, ROOT, RunnerTestBed } from "./harness";

const CAP_BYTES = 256 * 1024;
const NO_ORCHESTRATION = /ade finished: InvalidOperationId: .* has no orchestration to tell/;

let bed: RunnerTestBed;

beforeAll(async () => {
  // The bundle the image ships (npm run build also does this).
  execFileSync("npm", ["run", "-s", "build:runner"], { cwd: ROOT, stdio: "inherit" });
  bed = await RunnerTestBed.start({ environmentStorageCapBytes: CAP_BYTES, host: "devhost" });
}, 120_000);

afterAll(() => bed?.stop());

async function outputsOf(environmentName: string) {
  const blob = await bed.storage.blobs.get(
    CONTAINERS.environments,
    `${PROJECT}/${environmentName}/outputs.json`,
  );
  return blob && JSON.parse(blob.toString("utf8"));
}

async function deployCounter(environmentName: string, step: number) {
  const operation = await bed.seedOperation({
    environmentName,
    definition: "counter",
    parameters: { step, label: "test" },
  });
  const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], bed.runnerVariables(operation));
  return { operation, run };
}

describe("the core entrypoint", () => {
  it("deploys the counter: state, outputs of every type, logs, finished notice", async () => {
    const { operation, run } = await deployCounter("counter-e2e", 1);
    // The only complaint: no orchestration waits for the finished notice.
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(NO_ORCHESTRATION)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("counter 0 -> 1 (step 1)");

    const outputs = await outputsOf("counter-e2e");
    expect(outputs.outputs).toEqual({
      label: { type: "string", value: "test", sensitive: false },
      count: { type: "int", value: 1, sensitive: false },
      half: { type: "number", value: 0.5, sensitive: false },
      even: { type: "boolean", value: false, sensitive: false },
      history: { type: "array", value: [1], sensitive: false },
      environment: { type: "object", value: { name: "counter-e2e", type: "Dev" }, sensitive: false },
      secret: { type: "securestring", value: "counter-secret-1", sensitive: true },
    });
    expect(await bed.storage.blobs.list(CONTAINERS.environments, `${PROJECT}/counter-e2e/files/`)).toEqual([
      expect.objectContaining({ name: `${PROJECT}/counter-e2e/files/storage.zip` }),
    ]);

    // The entrypoint's own messages, queued for the next ade command, arrive in the order they happened.
    const log = await bed.operationLog(operation.id);
    const order = [
      /\[verbose\] Initializing runner\n/,
      /\[verbose\] Working in the definition folder \S+\/counter\n/,
      /\[verbose\] Executing \S+\/counter\/deploy\.sh\n/,
      /\[verbose\] Executing deploy: /,
      /\[log\] Deployment of counter-e2e: counter 0 -> 1/,
      /\[verbose\] Uploading environment state from /,
      /\[verbose\] Uploading outputs\n/,
      /\[log\] Operation completed successfully!\n$/,
    ].map((pattern) => log.search(pattern));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(log).not.toContain(operation.token);
    // Nothing after the script takes over its variables: no diff.sh is written for it.
    expect(existsSync(join(run.root, "tmp", "diff.sh"))).toBe(false);

    expect((await bed.operations.get(PROJECT, operation.id))?.value.result).toBeUndefined();
  });

  it("redeploys the counter: the state round-trips through storage.zip", async () => {
    await deployCounter("counter-again", 1);
    const { run } = await deployCounter("counter-again", 2);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("counter 1 -> 3 (step 2)");
    expect((await outputsOf("counter-again")).outputs.count.value).toBe(3);
  });

  it("deletes the counter", async () => {
    await deployCounter("counter-gone", 1);
    const operation = await bed.seedOperation({
      environmentName: "counter-gone",
      definition: "counter",
      kind: "delete",
    });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], bed.runnerVariables(operation));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Deleting counter-gone after its counter reached 1");
    expect(run.stderr).toMatch(NO_ORCHESTRATION);
  });

  it("reports the failing definition as a DeploymentError carrying its stderr", async () => {
    const operation = await bed.seedOperation({
      environmentName: "failing-e2e",
      definition: "failing",
      parameters: { message: "The quota for widgets is exhausted." },
    });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], bed.runnerVariables(operation));
    expect(run.code).toBe(ADE_EXIT_CODES.DeploymentError);
    expect(run.stderr).toContain("The quota for widgets is exhausted.");

    const record = (await bed.operations.get(PROJECT, operation.id))?.value;
    expect(record?.result?.code).toBe("DeploymentError");
    expect(record?.result?.message).toContain("The quota for widgets is exhausted.");
    expect(record?.result?.message).toContain("deploy failed with DeploymentError (exit code 1)");
    expect(run.stderr).toMatch(NO_ORCHESTRATION);
    expect(await bed.operationLog(operation.id)).toMatch(/\[error\] The quota for widgets is exhausted\./);
  });

  it("fails with SecurityError when its token is wrong, and changes nothing", async () => {
    const operation = await bed.seedOperation({ environmentName: "counter-badtoken", definition: "counter" });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_RUNNER_TOKEN: "A".repeat(43),
    });
    expect(run.code).toBe(ADE_EXIT_CODES.SecurityError);
    expect(run.stderr).toContain("SecurityError");
    expect(run.stderr).toContain("ade finished: SecurityError");
    // A refused token drops the log's lines at once, said once, rather than trying each again.
    expect(run.stderr.match(/log line\(s\) could not be sent/g)).toHaveLength(1);
    expect((await bed.operations.get(PROJECT, operation.id))?.value.result).toBeUndefined();
    expect(existsSync(join(run.root, "repository"))).toBe(false);
  });

  it("fails as EnvironmentStateNotSaved, naming the limit, when the state is too large to upload", async () => {
    const operation = await bed.seedOperation({
      environmentName: "counter-huge-state",
      definition: "counter",
      parameters: { step: 1, label: "x" },
    });
    // The script's state, beyond what one file may take (random bytes: the zip stays as large).
    const root = await bed.tempDir("ade-root-huge-");
    mkdirSync(join(root, "storage"));
    writeFileSync(join(root, "storage/huge.bin"), randomBytes(MAX_ENVIRONMENT_FILE_BYTES + 1));
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_ROOT: root,
    });
    expect(run.code).toBe(ADE_EXIT_CODES.EnvironmentStorageExceeded);
    expect(run.stderr).toContain(`at most ${MAX_ENVIRONMENT_FILE_BYTES} are accepted`);
    const result = (await bed.operations.get(PROJECT, operation.id))?.value.result;
    expect(result?.code).toBe("EnvironmentStateNotSaved");
    expect(result?.message).toContain("did not reach storage");
    expect(result?.message).toContain(`at most ${MAX_ENVIRONMENT_FILE_BYTES} are accepted`);
    expect(
      await bed.storage.blobs.list(CONTAINERS.environments, `${PROJECT}/counter-huge-state/files/`),
    ).toEqual([]);
  }, 120_000);

  it("runs the image's own script when custom deploy is off: Core's placeholder fails, deploying nothing", async () => {
    const operation = await bed.seedOperation({ environmentName: "counter-core", definition: "counter" });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_ENABLE_CUSTOM_DEPLOY: "false",
    });
    expect(run.code).toBe(ADE_EXIT_CODES.DeploymentError);
    expect(run.stderr).toContain("The core image has no deploy action: nothing was deployed");
    expect((await bed.operations.get(PROJECT, operation.id))?.value.result?.code).toBe("DeploymentError");
    expect(statSync(join(run.root, "repository/samples/counter/deploy.sh")).mode & 0o111).not.toBe(0);
  });

  it.each([
    ["has no script for the operation", {}, "Operation deploy is not supported: no deploy.sh in"],
    ["has a script that is not executable", { "Deploy.SH": 0o644 }, "is not marked as executable"],
  ])("fails as a DeploymentError when the image %s", async (_, files: Record<string, number>, message) => {
    const scripts = await bed.tempDir("ade-scripts-");
    for (const [name, mode] of Object.entries(files))
      writeFileSync(join(scripts, name), "#!/bin/bash\n", { mode });
    const operation = await bed.seedOperation({ environmentName: "counter-noscript", definition: "counter" });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_ENABLE_CUSTOM_DEPLOY: "false",
      ADE_SCRIPTS_DIR: scripts,
    });
    expect(run.code).toBe(ADE_EXIT_CODES.DeploymentError);
    expect(run.stderr).toContain(message);
    const result = (await bed.operations.get(PROJECT, operation.id))?.value.result;
    expect(result?.code).toBe("DeploymentError");
    expect(result?.message).toContain(message);
  });

  it("passes SIGTERM on to the script, then still uploads the state, reports the failure and finishes", async () => {
    const scripts = await bed.tempDir("ade-scripts-");
    const marker = join(scripts, "started");
    writeFileSync(
      join(scripts, "deploy.sh"),
      [
        "#!/bin/bash",
        `trap 'echo stopping; echo partial > "$ADE_STORAGE/state.txt"; exit 143' TERM`,
        `touch ${marker}`,
        "while :; do sleep 0.05; done",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const operation = await bed.seedOperation({ environmentName: "counter-stopped", definition: "counter" });
    let child: ChildProcess | undefined;
    const running = bed.run(
      ["bash", join(IMAGE, "entrypoint.sh")],
      { ...bed.runnerVariables(operation), ADE_ENABLE_CUSTOM_DEPLOY: "false", ADE_SCRIPTS_DIR: scripts },
      undefined,
      (c) => {
        child = c;
      },
    );
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    child?.kill("SIGTERM");
    const run = await running;
    expect(run.code).toBe(143);
    expect(run.stdout).toContain("stopping\n");
    expect(run.stderr).toMatch(NO_ORCHESTRATION);
    expect(
      await bed.storage.blobs.list(CONTAINERS.environments, `${PROJECT}/counter-stopped/files/`),
    ).toEqual([expect.objectContaining({ name: `${PROJECT}/counter-stopped/files/storage.zip` })]);
    const result = (await bed.operations.get(PROJECT, operation.id))?.value.result;
    expect(result?.code).toBe("UnknownError");
    expect(result?.message).toContain("deploy failed with UnknownError (exit code 143)");
    const log = await bed.operationLog(operation.id);
    expect(log).toMatch(
      /\[log\] stopping\n[^]*\[error\] Operation failed with UnknownError \(exit code 143\)\n$/,
    );
  });
});

describe("the ade CLI", () => {
  const ade = join(IMAGE, "bin/ade");
  let operation: Awaited<ReturnType<RunnerTestBed["seedOperation"]>>;
  let variables: Record<string, string>;
  let work: string;

  beforeAll(async () => {
    operation = await bed.seedOperation({
      environmentName: "cli-e2e",
      definition: "counter",
      parameters: { step: 4, label: 'it\'s "quoted"' },
    });
    variables = bed.runnerVariables(operation);
    work = await bed.tempDir("ade-cli-");
  });

  const run = (...argv: string[]) => bed.run([ade, ...argv], variables, work);

  it("init prints export lines that eval restores and downloads the definition", async () => {
    const script = `eval "$(ade init)"; for v in ${INIT_VARIABLES.join(" ")}; do printf '%s=%s\\0' "$v" "\${!v}"; done`;
    const result = await bed.run(["bash", "-c", script], variables);
    expect(result.stderr).toBe("");
    const exported = Object.fromEntries(
      result.stdout
        .split("\0")
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    expect(exported).toEqual({
      ADE_ROOT: result.root,
      ADE_TEMP: join(result.root, "temp"),
      ADE_STORAGE: join(result.root, "storage"),
      ADE_OUTPUTS: join(result.root, "temp/output.json"),
      ADE_ERROR_LOG: join(result.root, "temp/error.log"),
      ADE_OPERATION_NAME: "deploy",
      ADE_OPERATION_PARAMETERS: JSON.stringify({ step: 4, label: 'it\'s "quoted"' }),
      ADE_SECURE_PARAMETER_IDS: "[]",
      ADE_TEMPLATE_FILE: join(result.root, "repository/samples/counter/main.bicep"),
      ADE_MANIFEST_FOLDER: join(result.root, "repository/samples/counter"),
      ADE_ENVIRONMENT_NAME: "cli-e2e",
      ADE_ENVIRONMENT_TYPE: "Dev",
      ADE_ENVIRONMENT_LOCATION: "westeurope",
      ADE_RESOURCE_GROUP_NAME: "demo-cli-e2e",
      ADE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000000",
      ADE_TENANT_ID: variables.ADE_TENANT_ID,
      ADE_CLIENT_ID: variables.ADE_CLIENT_ID,
      ADE_HTTP__OPERATIONID: operation.id,
      ADE_HTTP__DEVCENTERID: variables.ADE_HTTP__DEVCENTERID,
    });
    expect(existsSync(exported.ADE_TEMPLATE_FILE)).toBe(true);
    // Images built on older ADE entrypoints write to these without creating them.
    expect(statSync(exported.ADE_STORAGE).isDirectory()).toBe(true);
    expect(statSync(exported.ADE_TEMP).isDirectory()).toBe(true);
    expect(statSync(join(exported.ADE_MANIFEST_FOLDER, "deploy.sh")).mode & 0o111).not.toBe(0);
  });

  it("environment and definitions list print the documented JSON", async () => {
    const environment = await run("environment");
    expect(environment.code).toBe(0);
    const documented = {
      uri: `${new URL(variables.ADE_RUNNER_ENDPOINT).origin}/projects/demo/users/33333333-3333-3333-3333-333333333333/environments/cli-e2e`,
      name: "cli-e2e",
      environmentType: "Dev",
      user: "33333333-3333-3333-3333-333333333333",
      provisioningState: "Creating",
      resourceGroupId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-cli-e2e",
      catalogName: "samples",
      environmentDefinitionName: "counter",
      parameters: { step: 4, label: 'it\'s "quoted"' },
      location: "westeurope",
    };
    // ADE's documents read these with jq -r ".Name", its older entrypoints with .ResourceGroupId.
    const pascal = Object.fromEntries(
      Object.entries(documented).map(([name, value]) => [name[0].toUpperCase() + name.slice(1), value]),
    );
    expect(JSON.parse(environment.stdout)).toEqual({ ...documented, ...pascal });
    const definition = JSON.parse((await run("definitions", "list")).stdout);
    expect(definition).toMatchObject({
      id: "/projects/demo/catalogs/samples/environmentDefinitions/counter",
      name: "counter",
      catalogName: "samples",
      templatePath: "samples/counter/main.bicep",
      contentSourcePath: "samples/counter",
      parameters: [
        expect.objectContaining({ id: "step", type: "integer" }),
        expect.objectContaining({ id: "label" }),
      ],
    });
    expect(JSON.parse(definition.parametersSchema)).toMatchObject({ type: "object" });
    expect(definition).toMatchObject({
      Name: "counter",
      TemplatePath: "samples/counter/main.bicep",
      ContentSourcePath: "samples/counter",
      Parameters: definition.parameters,
    });
  });

  it("definitions download writes the definition folder (default ./EnvironmentDefinition)", async () => {
    expect((await run("definitions", "download")).code).toBe(0);
    expect(readdirSync(join(work, "EnvironmentDefinition")).sort()).toEqual([
      "delete.sh",
      "deploy.sh",
      "environment.yaml",
      "main.bicep",
    ]);
    expect((await run("definitions", "download", "--folder-path", "elsewhere/def")).code).toBe(0);
    expect(existsSync(join(work, "elsewhere/def/main.bicep"))).toBe(true);
  });

  it("files upload, list and download, a folder as a zip named after it, with --unzip", async () => {
    writeFileSync(join(work, "notes.txt"), "remember this");
    mkdirSync(join(work, "bundle/inner"), { recursive: true });
    writeFileSync(join(work, "bundle/inner/state.json"), "{}");
    expect((await run("files", "upload", "--file-path", "notes.txt")).code).toBe(0);
    expect((await run("files", "upload", "--folder-path", "bundle")).code).toBe(0);
    expect(JSON.parse((await run("files", "list")).stdout).sort()).toEqual(["bundle.zip", "notes.txt"]);

    expect((await run("files", "download", "--file-name", "notes.txt", "--folder-path", "down")).code).toBe(
      0,
    );
    expect(readFileSync(join(work, "down/notes.txt"), "utf8")).toBe("remember this");
    expect(
      (await run("files", "download", "--file-name", "bundle.zip", "--folder-path", "unz", "--unzip")).code,
    ).toBe(0);
    expect(readFileSync(join(work, "unz/inner/state.json"), "utf8")).toBe("{}");
  });

  it("files download of a missing file is a FileOperationError", async () => {
    const result = await run("files", "download", "--file-name", "nothing-here.txt");
    expect(result.code).toBe(ADE_EXIT_CODES.FileOperationError);
    expect(result.stderr).toContain("has no file named nothing-here.txt");
    expect(existsSync(join(work, "nothing-here.txt"))).toBe(false);
  });

  it("files upload of a missing file is a FileOperationError", async () => {
    const result = await run("files", "upload", "--file-path", "no-such-file.bin");
    expect(result.code).toBe(ADE_EXIT_CODES.FileOperationError);
    expect(result.stderr).toContain("ENOENT");
  });

  it("files download --unzip refuses a zip-slip archive and writes nothing outside", async () => {
    writeFileSync(
      join(work, "evil.zip"),
      zipSync({ "fine.txt": new Uint8Array([1]), "../../escaped.txt": new Uint8Array([2]) }),
    );
    expect((await run("files", "upload", "--file-path", "evil.zip")).code).toBe(0);
    const result = await run(
      "files",
      "download",
      "--file-name",
      "evil.zip",
      "--folder-path",
      "slip/target",
      "--unzip",
    );
    expect(result.code).toBe(ADE_EXIT_CODES.FileOperationError);
    expect(result.stderr).toContain("Refusing to extract");
    expect(existsSync(join(work, "escaped.txt"))).toBe(false);
    expect(existsSync(join(work, "slip/target/fine.txt"))).toBe(false);
  });

  it("files upload beyond the environment's storage cap is EnvironmentStorageExceeded", async () => {
    writeFileSync(join(work, "big.bin"), Buffer.alloc(CAP_BYTES + 1));
    const result = await run("files", "upload", "--file-path", "big.bin");
    expect(result.code).toBe(ADE_EXIT_CODES.EnvironmentStorageExceeded);
    expect(result.stderr).toContain(`the limit is ${CAP_BYTES}`);
    expect(JSON.parse((await run("files", "list")).stdout)).not.toContain("big.bin");
  });

  it("files upload of a file over the per-file limit fails before sending it, naming the limit", async () => {
    const path = join(work, "too-big.bin");
    writeFileSync(path, "");
    truncateSync(path, MAX_ENVIRONMENT_FILE_BYTES + 1);
    const result = await run("files", "upload", "--file-path", "too-big.bin");
    expect(result.code).toBe(ADE_EXIT_CODES.EnvironmentStorageExceeded);
    expect(result.stderr).toContain(`at most ${MAX_ENVIRONMENT_FILE_BYTES} are accepted`);
    expect(JSON.parse((await run("files", "list")).stdout)).not.toContain("too-big.bin");
  });

  it("the runner API answers an oversize upload with a 413 naming the limit, not a reset connection", async () => {
    const put = (body: Buffer) =>
      fetch(`${variables.ADE_RUNNER_ENDPOINT}/operations/${operation.id}/files/raw.bin`, {
        method: "PUT",
        headers: { authorization: `Bearer ${operation.token}` },
        body,
      });
    const overFileLimit = await put(Buffer.alloc(MAX_ENVIRONMENT_FILE_BYTES + 1));
    expect(overFileLimit.status).toBe(413);
    const fileError = ((await overFileLimit.json()) as { error: { code: string; message: string } }).error;
    expect(fileError.code).toBe("EnvironmentStorageExceeded");
    expect(fileError.message).toContain(`larger than ${MAX_ENVIRONMENT_FILE_BYTES} bytes`);

    const overHostLimit = await put(Buffer.alloc(150 * 1024 * 1024));
    expect(overHostLimit.status).toBe(413);
    const hostError = ((await overHostLimit.json()) as { error: { code: string; message: string } }).error;
    expect(hostError.code).toBe("RequestBodyTooLarge");
    expect(hostError.message).toContain(`larger than ${100 * 1024 * 1024} bytes`);
    expect(JSON.parse((await run("files", "list")).stdout)).not.toContain("raw.bin");
  });

  it("files names cannot leave the environment's storage", async () => {
    const result = await run("files", "download", "--file-name", "../other-env/files/storage.zip");
    expect(result.code).toBe(ADE_EXIT_CODES.InvalidCliInput);
  });

  it("log appends to the operation's log by type, and to a named log with --file", async () => {
    expect((await run("log", "--content", "plain line")).code).toBe(0);
    expect((await run("log", "--type", "error", "--content", "bad thing\nsecond line")).code).toBe(0);
    expect((await run("log", "--type", "verbose", "--content", "chatty", "--file", "special.log")).code).toBe(
      0,
    );
    const log = await bed.operationLog(operation.id);
    expect(log).toMatch(/\[log\] plain line\n/);
    expect(log).toMatch(/\[error\] bad thing\n.*\[error\] second line\n/);
    expect(log).not.toContain("chatty");
    const special = await bed.storage.blobs.get(CONTAINERS.logs, `${PROJECT}/${operation.id}/special.log`);
    expect(special?.toString("utf8")).toMatch(/\[verbose\] chatty\n/);
  });

  it("execute streams the command's output to the console and the log, and exits with its code", async () => {
    const result = await run(
      "execute",
      "--operation",
      "deploy",
      "--command",
      "echo to-stdout; echo to-stderr >&2; exit 3",
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("to-stdout\n");
    expect(result.stderr).toBe("to-stderr\n");
    const log = await bed.operationLog(operation.id);
    expect(log).toMatch(/\[verbose\] Executing deploy: echo to-stdout/);
    expect(log).toMatch(/\[log\] to-stdout\n/);
    expect(log).toMatch(/\[error\] to-stderr\n/);
  });

  it("execute sends 100,000 lines whole and in order, and scrubs the token from a line cut between batches", async () => {
    const own = await bed.seedOperation({ environmentName: "cli-burst", definition: "counter" });
    // "{time} [log] " is 31 bytes, so the token starts 5 bytes before the first 64 KiB cut.
    const command =
      `awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "burst line %06d\\n", i }'; ` +
      `printf '%065500d%s%05000d\\n' 0 "$ADE_RUNNER_TOKEN" 0`;
    const result = await bed.run(
      [ade, "execute", "--operation", "deploy", "--command", command],
      { ...bed.runnerVariables(own), ADE_LOG_BATCH_BYTES: "65536" },
      work,
    );
    expect(result.code).toBe(0);
    const log = await bed.operationLog(own.id);
    const burst = log.split("\n").filter((line) => line.includes("] burst line "));
    expect(burst).toHaveLength(100_000);
    expect(burst.every((line, i) => line.endsWith(`] burst line ${String(i + 1).padStart(6, "0")}`))).toBe(
      true,
    );
    // Booleans: a failure message would otherwise print the whole 70 KB line.
    expect(log.includes(`${"0".repeat(65500)}***`)).toBe(true);
    expect(log.includes(own.token.slice(0, 12)) || log.includes(own.token.slice(-12))).toBe(false);
  });

  it("log takes an empty --operation (ADE's helpers before init) without swallowing --content", async () => {
    // verbose() of ADE's Core runs `ade log --type verbose --operation $ADE_OPERATION_NAME --content …`.
    const result = await bed.run(
      ["bash", "-c", 'ade log --type verbose --operation $UNSET_NAME --content "before init"'],
      variables,
      work,
    );
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(await bed.operationLog(operation.id)).toMatch(/\[verbose\] before init\n/);
  });

  it("execute runs a command given as several words", async () => {
    const result = await run("execute", "--operation", "deploy", "--command", "echo", "several", "words");
    expect(result).toMatchObject({ code: 0, stdout: "several words\n" });
    expect(await bed.operationLog(operation.id)).toMatch(
      /\[verbose\] Executing deploy: echo several words\n/,
    );
  });

  it("execute leaves what a script exported in diff.sh, and executeCommand takes it over", async () => {
    const script = join(work, "exports.sh");
    writeFileSync(
      script,
      '#!/bin/bash\nexport FROM_SCRIPT="it\'s $1"\nexport ADE_STEP=changed\nunset GOES_AWAY\necho "ran from $(basename "$0")"\n',
      { mode: 0o755 },
    );
    const caller = [
      `source ${join(IMAGE, "shared/commands.sh")}`,
      "export ADE_STEP=initial GOES_AWAY=yes",
      `executeCommand ${script} "two words"`,
      'printf "%s|%s|%s\\n" "$FROM_SCRIPT" "$ADE_STEP" "${GOES_AWAY-unset}"',
      'cat "$TMPDIR/diff.sh"',
    ].join("\n");
    const result = await bed.run(
      ["bash", "-c", caller],
      { ...variables, ADE_OPERATION_NAME: "deploy" },
      work,
    );
    expect(result.code).toBe(0);
    const [ran, seen, ...diff] = result.stdout.trim().split("\n");
    expect(ran).toBe("ran from exports.sh");
    expect(seen).toBe("it's two words|changed|unset");
    expect(diff.sort()).toEqual([
      "export ADE_STEP='changed'",
      "export FROM_SCRIPT='it'\\''s two words'",
      "unset GOES_AWAY",
    ]);
  });

  it("executeCommand returns the command's exit code and keeps its stderr in the error log", async () => {
    const caller = [
      `source ${join(IMAGE, "shared/commands.sh")}`,
      'export ADE_ERROR_LOG="$TMPDIR/error.log"',
      "executeCommand 'echo broken >&2; exit 4' || echo \"status $?\"",
      'cat "$ADE_ERROR_LOG"',
    ].join("\n");
    const result = await bed.run(["bash", "-c", caller], variables, work);
    expect(result.stdout).toBe("status 4\nbroken\n");
  });

  it("header and upgradeCli do what ADE's Core helpers of the same names do", async () => {
    const caller = [
      `source ${join(IMAGE, "shared/commands.sh")}`,
      'header "Terraform Info"',
      "upgradeCli",
    ].join("\n");
    const result = await bed.run(["bash", "-c", caller], variables, work);
    expect(result).toMatchObject({ code: 0, stdout: "\n>>> Terraform Info ...\n\nADE CLI is up to date\n" });
    const log = await bed.operationLog(operation.id);
    expect(log).toMatch(/\[log\] >>> Terraform Info \.\.\.\n/);
    expect(log).toMatch(/\[verbose\] ADE CLI is up to date\n/);
  });

  it("execute passes SIGTERM on to the command and still flushes its log", async () => {
    const marker = join(work, "started");
    const command = `trap 'echo stopping; exit 143' TERM; touch ${marker}; while :; do sleep 0.05; done`;
    let child: ChildProcess | undefined;
    const running = bed.run(
      ["ade", "execute", "--operation", "deploy", "--command", command],
      variables,
      work,
      (c) => {
        child = c;
      },
    );
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    child?.kill("SIGTERM");
    const result = await running;
    expect(result.code).toBe(143);
    expect(result.stdout).toBe("stopping\n");
    expect(await bed.operationLog(operation.id)).toMatch(/\[log\] stopping\n/);
  });

  it("outputs upload validates the file and stores the outputs", async () => {
    writeFileSync(
      join(work, "bad-outputs.json"),
      JSON.stringify({ outputs: { n: { type: "int", value: "7" } } }),
    );
    const bad = await run("outputs", "upload", "--file", "bad-outputs.json");
    expect(bad.code).toBe(ADE_EXIT_CODES.InvalidCliInput);
    expect(bad.stderr).toContain("/outputs/n/value");
    expect((await run("outputs", "upload", "--file", "missing.json")).code).toBe(
      ADE_EXIT_CODES.FileOperationError,
    );

    writeFileSync(join(work, "outputs.json"), JSON.stringify({ outputs: { n: { type: "Int", value: 7 } } }));
    expect((await run("outputs", "upload", "--file", "outputs.json")).code).toBe(0);
    expect((await outputsOf("cli-e2e")).outputs).toEqual({ n: { type: "Int", value: 7, sensitive: false } });
  });

  it("operation-result stores the code and message on the operation, without the token", async () => {
    const result = await run(
      "operation-result",
      "--code",
      "DeploymentError",
      "--message",
      `boom ${operation.token}`,
    );
    expect(result.code).toBe(0);
    expect((await bed.operations.get(PROJECT, operation.id))?.value.result).toEqual({
      code: "DeploymentError",
      message: "boom ***",
    });
  });

  it("upgrade prints nothing when the CLI is current", async () => {
    expect(await run("upgrade")).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("finished goes to the operation's orchestration through the durable client", async () => {
    // The dev host's durable API answers that no instance has the operation's id.
    const result = await run("finished", "--exit-code", "0");
    expect(result.code).toBe(ADE_EXIT_CODES.InvalidOperationId);
    expect(result.stderr).toMatch(NO_ORCHESTRATION);
  });

  it("refuses a bad token with SecurityError", async () => {
    const result = await bed.run(
      [ade, "environment"],
      { ...variables, ADE_RUNNER_TOKEN: "B".repeat(43) },
      work,
    );
    expect(result).toMatchObject({ code: ADE_EXIT_CODES.SecurityError, stdout: "" });
    expect(result.stderr).not.toContain("B".repeat(43));
  });

  it("refuses the token of one operation for another operation's id", async () => {
    const other = await bed.seedOperation({ environmentName: "cli-other", definition: "counter" });
    const result = await bed.run(
      [ade, "files", "list"],
      { ...variables, ADE_HTTP__OPERATIONID: other.id },
      work,
    );
    expect(result.code).toBe(ADE_EXIT_CODES.SecurityError);
    expect(result.stderr).toContain(`not valid for operation ${other.id}`);
  });

  it("refuses an unknown operation id and an operation that is no longer running with InvalidOperationId", async () => {
    const unknown = await bed.run(
      [ade, "environment"],
      { ...variables, ADE_HTTP__OPERATIONID: randomUUID() },
      work,
    );
    expect(unknown.code).toBe(ADE_EXIT_CODES.InvalidOperationId);
    const done = await bed.seedOperation({
      environmentName: "cli-done",
      definition: "counter",
      status: "Succeeded",
    });
    const finished = await bed.run([ade, "log", "--content", "late"], bed.runnerVariables(done), work);
    expect(finished.code).toBe(ADE_EXIT_CODES.InvalidOperationId);
    expect(finished.stderr).toContain("is not running (it is Succeeded)");
  });
});

const INIT_VARIABLES = [
  "ADE_ROOT",
  "ADE_TEMP",
  "ADE_STORAGE",
  "ADE_OUTPUTS",
  "ADE_ERROR_LOG",
  "ADE_OPERATION_NAME",
  "ADE_OPERATION_PARAMETERS",
  "ADE_SECURE_PARAMETER_IDS",
  "ADE_TEMPLATE_FILE",
  "ADE_MANIFEST_FOLDER",
  "ADE_ENVIRONMENT_NAME",
  "ADE_ENVIRONMENT_TYPE",
  "ADE_ENVIRONMENT_LOCATION",
  "ADE_RESOURCE_GROUP_NAME",
  "ADE_SUBSCRIPTION_ID",
  "ADE_TENANT_ID",
  "ADE_CLIENT_ID",
  "ADE_HTTP__OPERATIONID",
  "ADE_HTTP__DEVCENTERID",
];
