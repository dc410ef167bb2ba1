/**
 * Timer triggers in the dev host: NCRONTAB schedules, %SETTING% references in the schedule,
 * runOnStartup, on-demand runs through the admin endpoint, and what the function receives.
 */
import type { Timer } from "@azure/functions";
import type { DevHostProcess } from "../../../dev/host/spawn";
import { call, HTTP_APP, Scratch, startFixtureHost, waitFor, withHostOutput } from "./helpers";

describe("dev host: timer triggers", () => {
  let host: DevHostProcess;
  const scratch = new Scratch();

  beforeAll(async () => {
    host = await startFixtureHost({
      appRoot: HTTP_APP,
      storage: "UseDevelopmentStorage=true",
      taskHub: "timertests",
      scratch,
      env: { STARTUP_TIMER_SCHEDULE: "0 0 0 1 1 *" },
    });
  });

  afterAll(async () => {
    await host?.stop();
    scratch.cleanup();
  });

  it("runs a six-field schedule every second", () =>
    withHostOutput(host, async () => {
      const firstTwo = await waitFor("two ticks", () => {
        const ticks = scratch.entries().filter((e) => e.fn === "everySecond");
        return ticks.length >= 2 ? ticks : undefined;
      });
      const [first, second] = firstTwo.slice(0, 2).map((e) => Date.parse(e.key));
      // Occurrences fall on whole seconds: no two runs within the same second.
      expect(second - first).toBeGreaterThanOrEqual(900);
    }));

  it("runs a runOnStartup timer once at start, with its schedule read from a setting", () =>
    withHostOutput(host, async () => {
      const runs = await waitFor("the startup run", () => {
        const found = scratch.entries().filter((e) => e.fn === "startupTimer");
        return found.length > 0 ? found : undefined;
      });
      expect(runs).toHaveLength(1);
      const timer = JSON.parse(runs[0].key) as Timer;
      expect(timer.isPastDue).toBe(false);
      expect(timer.schedule).toEqual({ adjustForDST: true });
      // "0 0 0 1 1 *": the next run is midnight UTC on the coming January 1st.
      const next = new Date(timer.scheduleStatus.next);
      expect(next.toISOString()).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
    }));

  it("runs a timer function on demand through the admin endpoint", () =>
    withHostOutput(host, async () => {
      expect(scratch.entries().filter((e) => e.fn === "manualTimer")).toHaveLength(0);
      expect((await call(`${host.url}/admin/functions/manualTimer`, { body: {} })).status).toBe(202);
      expect(scratch.entries().filter((e) => e.fn === "manualTimer")).toHaveLength(1);
      expect((await call(`${host.url}/admin/functions/getItem`, { body: {} })).status).toBe(400);
    }));

  it("disables a function whose %SETTING% does not resolve, and runs the rest", async () => {
    const other = new Scratch();
    const second = await startFixtureHost({
      appRoot: HTTP_APP,
      storage: "UseDevelopmentStorage=true",
      taskHub: "timertests2",
      scratch: other,
    });
    try {
      await withHostOutput(second, async () => {
        expect(second.output()).toContain(
          "Function startupTimer is disabled: '%STARTUP_TIMER_SCHEDULE%' does not resolve to a value",
        );
        expect((await call(`${second.url}/api/items/1`)).status).toBe(200);
        const names = (await call(`${second.url}/admin/functions`))
          .json<{ name: string }[]>()
          .map((f) => f.name);
        expect(names).not.toContain("startupTimer");
      });
    } finally {
      await second.stop();
      other.cleanup();
    }
  });
});
