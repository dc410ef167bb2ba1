import { cleanupInstanceId } from "../../../src/operations/cleanup";
import { operationFields, operationLogLine } from "../../../src/telemetry/fields";

describe("the operation fields of an activity", () => {
  it("reads them from the input, the plan or the wrapped input", () => {
    const input = { operationId: "op-1", project: "demo", environmentName: "one", kind: "deploy" };
    expect(operationFields(undefined, input)).toEqual({
      operationId: "op-1",
      project: "demo",
      environment: "one",
    });
    expect(operationFields("op-1", { plan: input, exitCode: 0 })).toEqual({
      operationId: "op-1",
      project: "demo",
      environment: "one",
    });
    expect(operationFields("op-1", { input, outcome: { status: "Succeeded" } })).toMatchObject({
      environment: "one",
    });
  });

  it("takes the operation id from the instance id, the cleanup orchestration's too, and remembers project and environment", () => {
    operationFields("op-2", { operationId: "op-2", project: "demo", environmentName: "two" });
    const grant = { scope: "/subscriptions/s/resourceGroups/demo-two", roleName: "Owner" };
    expect(operationFields("op-2", grant)).toEqual({
      operationId: "op-2",
      project: "demo",
      environment: "two",
    });
    expect(operationFields(cleanupInstanceId("op-2"), grant)).toEqual({
      operationId: "op-2",
      project: "demo",
      environment: "two",
    });
    expect(operationFields(undefined, grant)).toEqual({});
  });

  it("writes one JSON line with the fields and the step", () => {
    const line = operationLogLine(
      { operationId: "op-3", project: "demo", environment: "three" },
      "startRunner",
      "Started.",
    );
    expect(JSON.parse(line)).toEqual({
      message: "Started.",
      operationId: "op-3",
      project: "demo",
      environment: "three",
      step: "startRunner",
    });
  });
});
