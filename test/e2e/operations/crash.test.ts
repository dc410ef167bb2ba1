/**
 * Operations through host crashes (dev host + ARM emulator + real runner): deploys and deletes are
 * started, the dev host is killed with SIGKILL at pseudo-random moments several times and started
 * again, and then every operation that was recorded ends terminal, no runner role assignment or
 * container group is left, and every environment record agrees with its last operation.
 * CRASH_SEED replays a run (the seed is printed when the test fails); CRASH_ENVIRONMENTS and
 * CRASH_ROUNDS make it bigger. It prints its figures (accepted, terminal, stuck, left behind).
 */
import { createStorageAdapters } from "../../../src/azure/storage";
import { environmentRecords } from "../../../src/storage/environment-records";
import { isTerminalOperationState } from "../../../src/core/states";
import { TABLES, type OperationRecord } from "../../../src/storage/records";
import { RUNNER_PRINCIPAL, Stack, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";
const SEED = Number(process.env.CRASH_SEED) || 20261202;
/** A bigger run: CRASH_ENVIRONMENTS environments, CRASH_ROUNDS rounds of requests and a kill each. */
const ENVIRONMENT_COUNT = Number(process.env.CRASH_ENVIRONMENTS) || 4;
const ROUNDS = Number(process.env.CRASH_ROUNDS) || 5;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("operations through host crashes", () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await Stack.start();
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  /** A request that may meet a dying host: undefined when it got no answer. */
  async function send(method: string, name: string): Promise<Reply | undefined> {
    const body =
      method === "PUT"
        ? {
            environmentType: "Dev",
            catalogName: "samples",
            environmentDefinitionName: "counter",
            parameters: { step: 1 },
          }
        : undefined;
    return stack.request(method, `${ENVIRONMENTS}/${name}`, alice, body).catch(() => undefined);
  }

  it(
    "ends every operation, leaves no runner role or container, and keeps environments in step",
    async () => {
      const next = random(SEED);
      const storage = createStorageAdapters(stack.services.azurite.connectionString);
      const operations = storage.records<OperationRecord>(TABLES.operations);
      const environments = environmentRecords((table) => storage.records(table));
      const names = Array.from({ length: ENVIRONMENT_COUNT }, (_, i) => `crash-${i}`);
      const answers: Record<number, number> = {};
      const leftovers = () => {
        const arm = stack.arm();
        return (
          arm.roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL).length +
          arm.containerGroups.length
        );
      };

      try {
        for (let round = 0; round < ROUNDS; round++) {
          // Deploy or delete each environment; some of these meet an operation still running (409).
          const replies = await Promise.all(names.map((name) => send(next() < 0.7 ? "PUT" : "DELETE", name)));
          for (const reply of replies) if (reply) answers[reply.status] = (answers[reply.status] ?? 0) + 1;
          await new Promise((resolve) => setTimeout(resolve, 200 + next() * 4000));
          await stack.crashAndRestart();
        }

        // Everything recorded ends, whether its request got an answer or not. An operation whose
        // orchestration never started is ended by the sweep once it is two minutes old.
        const deadline = Date.now() + 240_000;
        let sweptAt = 0;
        for (;;) {
          const running = (await operations.list("demo")).filter(
            (o) => !isTerminalOperationState(o.value.status),
          );
          if (running.length === 0 && leftovers() === 0) break;
          if (Date.now() > deadline) break;
          if (Date.now() - sweptAt > 10_000) {
            await stack
              .request("POST", "/admin/functions/environmentExpiry", undefined)
              .catch(() => undefined);
            sweptAt = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }

        const all = (await operations.list("demo")).map((o) => o.value);
        const disagreeing: string[] = [];
        for (const { value: environment } of await environments.list("demo")) {
          const last = all.find((o) => o.id === environment.currentOperationId);
          if (environment.provisioningState !== last?.status) {
            disagreeing.push(`${environment.name} ${environment.provisioningState} vs ${last?.status}`);
          }
        }
        // A delete that succeeded removed its environment.
        for (const name of names) {
          const last = all
            .filter((o) => o.environmentName === name)
            .sort((a, b) => b.startTime.localeCompare(a.startTime))[0];
          if (
            last?.kind === "delete" &&
            last.status === "Succeeded" &&
            (await environments.get("demo", name))
          ) {
            disagreeing.push(`${name} still there after its delete succeeded`);
          }
        }
        const stuck = all.filter((o) => !isTerminalOperationState(o.status));
        const figures = {
          seed: SEED,
          answers,
          accepted: (answers[201] ?? 0) + (answers[202] ?? 0),
          recorded: all.length,
          terminal: all.length - stuck.length,
          stuck: stuck.length,
          runnerRolesLeft: stack.arm().roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL)
            .length,
          containerGroupsLeft: stack.arm().containerGroups.length,
          tokensLeft: all.filter((o) => o.runnerTokenHash !== undefined).length,
          environmentsDisagreeing: disagreeing.length,
          statuses: all.reduce<Record<string, number>>(
            (n, o) => ({ ...n, [o.status]: (n[o.status] ?? 0) + 1 }),
            {},
          ),
        };
        process.stdout.write(`crash test figures: ${JSON.stringify(figures)}\n`);
        expect(all.length).toBeGreaterThanOrEqual(figures.accepted);
        expect(stuck.map((o) => `${o.id} (${o.environmentName}, ${o.step ?? "no step"})`)).toEqual([]);
        expect({ roles: figures.runnerRolesLeft, containers: figures.containerGroupsLeft }).toEqual({
          roles: 0,
          containers: 0,
        });
        expect(figures.tokensLeft).toBe(0);
        expect(disagreeing).toEqual([]);
      } catch (error) {
        throw new Error(
          `crash test seed ${SEED}: ${(error as Error).message}\n${stack.host.output().slice(-3000)}`,
        );
      }
    },
    420_000 + Math.max(0, ROUNDS - 5) * 40_000,
  );
});
