import { readFileSync } from "node:fs";
import path from "node:path";
import { ADE_EXIT_CODES, exitCodeName } from "../../../src/core/exit-codes";
import {
  OPERATION_STATES,
  PROVISIONING_STATES,
  isOperationState,
  isProvisioningState,
  isTerminalOperationState,
} from "../../../src/core/states";

/** An enum of the contract we serve (docs/contract), by its definition name. */
function contractEnum(definition: string): string[] {
  const contract = JSON.parse(
    readFileSync(
      path.resolve(__dirname, "../../../docs/contract/devcenter-environments.openapi.json"),
      "utf8",
    ),
  ) as { definitions: Record<string, { enum?: string[] }> };
  const values = contract.definitions[definition]?.enum;
  if (!values) throw new Error(`The contract has no enum ${definition}.`);
  return values;
}

describe("states", () => {
  test("provisioning states are exactly the contract's EnvironmentProvisioningState", () => {
    expect([...PROVISIONING_STATES].sort()).toEqual(contractEnum("EnvironmentProvisioningState").sort());
  });

  test("operation states are exactly the contract's Azure.Core.Foundations.OperationState", () => {
    expect([...OPERATION_STATES].sort()).toEqual(
      contractEnum("Azure.Core.Foundations.OperationState").sort(),
    );
  });

  test.each([
    ["NotStarted", false],
    ["Running", false],
    ["Succeeded", true],
    ["Failed", true],
    ["Canceled", true],
  ] as const)("%s is terminal: %s", (state, terminal) => {
    expect(isTerminalOperationState(state)).toBe(terminal);
  });

  test("type guards", () => {
    expect(isProvisioningState("MovingResources")).toBe(true);
    expect(isProvisioningState("succeeded")).toBe(false);
    expect(isOperationState("NotStarted")).toBe(true);
    expect(isOperationState("Creating")).toBe(false);
  });
});

describe("ADE exit codes", () => {
  test.each([
    [1, "DeploymentError"],
    [7, "InvalidEndpoint"],
    [8, "InvalidDevCenterId"],
    [9, "CliSetupError"],
    [10, "InvalidOperationId"],
    [11, "RequestFailed"],
    [12, "InvalidCliInput"],
    [13, "FileOperationError"],
    [14, "EnvironmentStorageExceeded"],
    [15, "SecurityError"],
    [16, "DeploymentIdentitySignInError"],
    [17, "CliUpgradeError"],
    [99, "UnknownError"],
  ])("%i is %s", (code, name) => {
    expect(exitCodeName(code)).toBe(name);
    expect(ADE_EXIT_CODES[name as keyof typeof ADE_EXIT_CODES]).toBe(code);
  });

  test("the table has exactly those 13 codes and cannot be changed", () => {
    expect(Object.keys(ADE_EXIT_CODES)).toHaveLength(13);
    expect(Object.isFrozen(ADE_EXIT_CODES)).toBe(true);
  });

  test.each([0, 2, 6, 18, 98, 100, -1, 1.5, Number.NaN])("%p is UnknownError", (code) => {
    expect(exitCodeName(code)).toBe("UnknownError");
  });
});
