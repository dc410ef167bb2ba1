/** The runner container: started with its token and variables, polled, read when it ends, deleted. */
import { exitCodeName } from "../../core/exit-codes";
import { scrubRecognised, scrubSecrets } from "../../core/secrets";
import { RUNNER_TOKEN_CHARACTERS, runnerTokenMatches } from "../../runner-protocol/token";
import { RUNNER_VARIABLES } from "../../runner-protocol/protocol";
import { adeOperationVariables, runnerEndpoint } from "../../runner-protocol/variables";
import { CONTAINERS, operationLogBlob, type ErrorDetail } from "../../storage/records";
import { sealedValueForms } from "../../storage/secure-parameters";
import { updateRecord } from "../../storage/update-record";
import type { ActivityLog } from "../activity-table";
import type { CollectInput, OperationOutcome, OperationPlan, RunnerDeletePoll, RunnerStatus } from "../plan";
import type { ArmProgress, EnvironmentVariable, RunnerContainerRef } from "../ports";
import { loadOperation, silent, type OperationDeps } from "./deps";

export async function startRunner(
  deps: OperationDeps,
  plan: OperationPlan,
  log: ActivityLog = silent,
): Promise<void> {
  const { settings } = deps;
  const runnerLocation = settings.runnerResourceGroup.location ?? plan.location;
  // Side by side (two ARM round trips in the time of one): ensuring the runners' resource group
  // changes nothing when the runner exists already.
  const [current] = await Promise.all([
    deps.containers.state(plan.runnerContainer),
    deps.resourceGroups.ensure(
      plan.runnerContainer.subscriptionId,
      plan.runnerContainer.resourceGroup,
      runnerLocation,
      {
        "devcenter-purpose": "runners",
      },
    ),
  ]);
  // A retried start must not replace the token of a runner that already started.
  if (current.state !== "NotFound") {
    log(`Runner ${plan.runnerContainer.name} already exists (${current.state}).`);
    return;
  }

  const { token, hash } = deps.newRunnerToken();
  await updateRecord(deps.operations, plan.project, plan.operationId, (record) => ({
    ...record,
    runnerTokenHash: hash,
  }));
  const facts = adeOperationVariables({
    operationId: plan.operationId,
    kind: plan.kind,
    devCenterId: settings.devCenterId,
    environmentName: plan.environmentName,
    environmentType: plan.environmentType,
    location: plan.location,
    subscriptionId: plan.subscriptionId,
    resourceGroupName: plan.resourceGroupName,
    clientId: plan.runner.clientId,
    tenantId: settings.tenantId,
  });
  const environment: EnvironmentVariable[] = [
    ...Object.entries(facts).map(([name, value]) => ({ name, value })),
    { name: RUNNER_VARIABLES.endpoint, value: runnerEndpoint(settings.runnerApiEndpoint, plan.project) },
    { name: RUNNER_VARIABLES.token, secureValue: token },
    // The orchestration's own deadline starts once the runner has started: a little later than this.
    {
      name: RUNNER_VARIABLES.deadline,
      value: new Date(deps.now().getTime() + plan.timeoutMinutes * 60_000).toISOString(),
    },
    ...Object.entries(settings.runnerEnvironment).map(([name, value]) => ({ name, value })),
  ];
  await deps.containers.start({
    ...plan.runnerContainer,
    location: runnerLocation,
    image: plan.runner.image,
    environment,
    identityResourceId: plan.runner.identityResourceId,
    registryLoginServer: plan.runner.registryLoginServer,
  });
  log(`Started runner ${plan.runnerContainer.name} from ${plan.runner.image}.`);
}

export async function getRunnerState(deps: OperationDeps, ref: RunnerContainerRef): Promise<RunnerStatus> {
  const { state, exitCode, detail } = await deps.containers.state(ref);
  return { state, ...(exitCode !== undefined && { exitCode }), ...(detail !== undefined && { detail }) };
}

export async function collectRunnerResults(
  deps: OperationDeps,
  { plan, exitCode, detail }: CollectInput,
  log: ActivityLog = silent,
): Promise<OperationOutcome> {
  log(
    `Runner ${plan.runnerContainer.name} ended${exitCode === undefined ? " without an exit code" : ` with exit code ${exitCode}`}.`,
  );
  if (exitCode === 0) return { status: "Succeeded" };
  const operation = await loadOperation(deps, plan.project, plan.operationId);
  // The runner's log pump already wrote what it ran; the container's own output also shows what
  // happened before the pump worked (a crash, an image that cannot start).
  // A script that prints its environment would print the runner's token (dead by now, still a
  // secret): only its hash is stored, so words that hash to it are scrubbed. The output also has
  // whatever the script printed, secure parameter values included: those are masked as the runner
  // API masks them.
  const containerLog = scrubSecrets(
    scrubRecognised(await deps.containers.logs(plan.runnerContainer), RUNNER_TOKEN_CHARACTERS, (word) =>
      runnerTokenMatches(word, operation.runnerTokenHash),
    ),
    sealedValueForms(deps.secureParameters, operation.sealedParameters),
  );
  // A container that never ran (its image cannot be pulled) has no output: the platform's reason is the log.
  const notRun = exitCode === undefined && detail ? `The runner container did not run: ${detail}` : "";
  const shown = [
    containerLog && `--- runner container output ---\n${containerLog}`,
    notRun && `--- runner container ---\n${notRun}`,
  ]
    .filter(Boolean)
    .map((text) => `\n${text}${text.endsWith("\n") ? "" : "\n"}`)
    .join("");
  if (shown) {
    await deps.blobs.appendLog(CONTAINERS.logs, operationLogBlob(plan.project, plan.operationId), shown);
  }
  const error: ErrorDetail = operation.result ?? {
    code: exitCode === undefined ? "RunnerFailed" : exitCodeName(exitCode),
    message:
      exitCode !== undefined
        ? `The runner exited with code ${exitCode}.`
        : notRun || "The runner did not report an exit code.",
  };
  return { status: "Failed", error };
}

export async function deleteRunner(
  deps: OperationDeps,
  ref: RunnerContainerRef,
  log: ActivityLog = silent,
): Promise<ArmProgress> {
  const progress = await deps.containers.beginDelete(ref);
  log(`Runner container ${ref.name}: ${progress.done ? "gone" : "being deleted"}.`);
  return progress;
}

export async function pollRunnerDelete(
  deps: OperationDeps,
  { ref, resumeFrom }: RunnerDeletePoll,
  log: ActivityLog = silent,
): Promise<ArmProgress> {
  const progress = await deps.containers.pollDelete(ref, resumeFrom);
  if (progress.done) log(`Runner container ${ref.name} is gone.`);
  return progress;
}
