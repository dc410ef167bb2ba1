/**
 * The runner API masks what a runner sends before storing it: its own token and the operation's
 * secure parameter values, in log batches (the operation's log and named logs) and in the result.
 */
import { randomUUID } from "node:crypto";
import type { DevCenterConfig } from "../../../src/core/devcenter-config";
import { createRunnerApi, type RunnerRequest } from "../../../src/runner-api/handlers";
import { newRunnerToken } from "../../../src/runner-protocol/token";
import type { BlobStore } from "../../../src/storage/ports";
import type { EnvironmentRecord, OperationRecord } from "../../../src/storage/records";
import { createSecureParameterSealer } from "../../../src/storage/secure-parameters";
import { MemoryRecords } from "../../support/memory-records";

const password = 'p"w-0123456789';
const settings = { apiKey: "key-abcdefghij", port: 443 };
const sealer = createSecureParameterSealer(Buffer.alloc(32, 3));

async function setUp(sealed = true) {
  const operations = new MemoryRecords<OperationRecord>();
  const { token, hash } = newRunnerToken();
  const id = randomUUID();
  await operations.create("demo", id, {
    id,
    project: "demo",
    environmentName: "env",
    user: "alice",
    kind: "deploy",
    status: "Running",
    createdBy: "alice",
    startTime: "2026-12-02T06:00:00Z",
    environmentParameters: { label: "plain-label" },
    ...(sealed && { sealedParameters: sealer.seal({ password, settings }) }),
    runnerTokenHash: hash,
  });
  const appended: { blob: string; text: string }[] = [];
  const blobs = {
    appendLog: async (_container: string, blob: string, text: string) => void appended.push({ blob, text }),
  } as unknown as BlobStore;
  const api = createRunnerApi({
    operations,
    environments: new MemoryRecords<EnvironmentRecord>(),
    blobs,
    devCenter: {} as DevCenterConfig,
    settings: { environmentStorageCapBytes: 1024 },
    secureParameters: sealer,
  });
  const request = (body: string, query = ""): RunnerRequest => ({
    params: { project: "demo", operationId: id },
    query: new URLSearchParams(query),
    authorization: `Bearer ${token}`,
    body: async () => new TextEncoder().encode(body),
  });
  return { api, request, appended, operations, id, token };
}

describe("runner API masking", () => {
  it("masks secure values and the token in every log batch, named logs too", async () => {
    const { api, request, appended, token } = await setUp();
    const printed =
      `echo ${password} ${token}\n` +
      `ADE_OPERATION_PARAMETERS=${JSON.stringify({ label: "plain-label", password, settings })}\n` +
      `curl -H "x-key: ${settings.apiKey}" on port ${settings.port}\n`;
    expect((await api.appendLog(request(printed))).status).toBe(204);
    expect((await api.appendLog(request(printed, "file=deploy.log"))).status).toBe(204);
    const expected =
      "echo *** ***\n" +
      'ADE_OPERATION_PARAMETERS={"label":"plain-label","password":"***","settings":***}\n' +
      'curl -H "x-key: ***" on port 443\n';
    expect(appended.map((a) => a.text)).toEqual([expected, expected]);
    expect(appended[1].blob).toMatch(/deploy\.log$/);
  });

  it("masks them in the result's message and code", async () => {
    const { api, request, operations, id } = await setUp();
    const body = JSON.stringify({
      code: `Failed-${settings.apiKey}`,
      message: `deploy failed: '{"adminPassword":${JSON.stringify(password)}}' is not valid`,
    });
    expect((await api.putResult(request(body))).status).toBe(204);
    expect((await operations.get("demo", id))?.value.result).toEqual({
      code: "Failed-***",
      message: `deploy failed: '{"adminPassword":"***"}' is not valid`,
    });
  });

  it("leaves the text of an operation without secure parameters as it is, but for the token", async () => {
    const { api, request, appended, token } = await setUp(false);
    await api.appendLog(request(`${password} ${token}\n`));
    expect(appended.map((a) => a.text)).toEqual([`${password} ***\n`]);
  });
});
