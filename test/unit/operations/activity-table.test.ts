/** runActivity: an activity's answer on the wire, and the step a request carries written alongside. */
import { runActivity, type OperationActivities } from "../../../src/operations/activity-table";
import { OperationError } from "../../../src/operations/failures";
import type { RoleGrant, StepInput } from "../../../src/operations/plan";

const GRANT: RoleGrant = {
  scope: "/subscriptions/sub/resourceGroups/demo-env",
  roleName: "Owner",
  principalId: "runner",
  principalType: "ServicePrincipal",
  nameSeed: "op",
};
const STEP: StepInput = { project: "demo", operationId: "op", step: "GrantingRoles" };

function activities(grantRole: () => Promise<unknown>, recordStep: (at: StepInput) => Promise<void>) {
  return { grantRole, recordStep } as unknown as OperationActivities;
}

describe("runActivity", () => {
  it("writes the step while the activity works, and answers the activity's output", async () => {
    const events: string[] = [];
    let releaseGrant = () => {};
    const granted = new Promise<void>((resolve) => (releaseGrant = resolve));
    const fake = activities(
      async () => {
        events.push("grant started");
        await granted;
        return { ...GRANT, assignmentName: "a-1" };
      },
      async (at) => {
        events.push(`step ${at.step}`);
        releaseGrant();
      },
    );
    const result = await runActivity(fake, "grantRole", { input: GRANT, step: STEP }, () => undefined);
    expect(result).toEqual({ ok: true, value: { ...GRANT, assignmentName: "a-1" } });
    // The grant finished only because the step was written meanwhile: they ran side by side.
    expect(events).toEqual(["step GrantingRoles", "grant started"]);
  });

  it("writes no step when the request carries none", async () => {
    const written: StepInput[] = [];
    const fake = activities(
      async () => ({ ...GRANT, assignmentName: "a-1" }),
      async (at) => void written.push(at),
    );
    await runActivity(fake, "grantRole", { input: GRANT }, () => undefined);
    expect(written).toEqual([]);
  });

  it("keeps the activity's answer when writing the step fails, and logs why", async () => {
    const lines: string[] = [];
    const fake = activities(
      async () => ({ ...GRANT, assignmentName: "a-1" }),
      async () => {
        throw new OperationError("StorageRequestFailed", "Table storage is away.");
      },
    );
    const result = await runActivity(fake, "grantRole", { input: GRANT, step: STEP }, (line) =>
      lines.push(line),
    );
    expect(result.ok).toBe(true);
    expect(lines).toEqual(["Recording step GrantingRoles failed: Table storage is away."]);
  });

  it("answers an expected failure as a value, the step written all the same", async () => {
    const written: string[] = [];
    const fake = activities(
      async () => {
        throw new OperationError("AuthorizationFailed", "No rights.");
      },
      async (at) => void written.push(at.step),
    );
    const result = await runActivity(fake, "grantRole", { input: GRANT, step: STEP }, () => undefined);
    expect(result).toEqual({
      ok: false,
      failure: expect.objectContaining({ code: "AuthorizationFailed", message: "No rights." }),
    });
    expect(written).toEqual(["GrantingRoles"]);
  });
});
