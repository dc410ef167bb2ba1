/**
 * One environment: its state and error, parameters and outputs (secure and sensitive ones masked until
 * revealed),
 * resource group, expiration (set, delay, skip), operations and the selected operation's log, live
 * while it runs; redeploy, delete and cancel. Read again every 1.5 s while an operation runs.
 */
import { ApiFailure, path } from "../api";
import { announce, badge, formatTime, h, isSettled } from "../dom";
import { secretIds, showValue } from "../parameters";
import type { Definition } from "./definitions";
import { expirationSection } from "./expiration";
import type { Environment } from "./environments";
import { logView, type LogView } from "./log-view";
import { failure, heading, poll, projectPath, table, type Page } from "./page";

interface Operation {
  operationId: string;
  kind: string;
  status: string;
  createdByObjectId?: string;
  startTime?: string;
  endTime?: string;
  error?: { code: string; message: string };
}

interface Output {
  type: string;
  value: unknown;
  sensitive?: boolean;
}

function isSensitive(output: Output): boolean {
  return output.sensitive ?? /^secure/i.test(output.type);
}

export const environmentPage: Page = async (context, root) => {
  const { api, signal, params } = context;
  const { project, user, environment: name } = params;
  const base = path("projects", project, "users", user, "environments", name);
  const title = heading(root, `Environment ${name}`);

  let env: Environment;
  let operations: Operation[] = [];
  let outputs: Record<string, Output> = {};
  const revealed = new Set<string>();
  let secrets: Set<string> | undefined;
  let selected: string | undefined;
  let log: { id: string; view: LogView } | undefined;

  const stateSlot = h("span", {});
  title.append(" ", stateSlot);
  const status = h("div", { class: "failure-slot" });
  const summary = h("section", { "aria-labelledby": "summary-title" });
  const actions = h("div", { class: "actions" });
  const expiration = h("section", { "aria-labelledby": "expiration-title" });
  const parameters = h("section", { "aria-labelledby": "parameters-title" });
  const outputsSection = h("section", { "aria-labelledby": "outputs-title" });
  const history = h("section", { "aria-labelledby": "operations-title" });
  const logSection = h("section", { "aria-labelledby": "log-title" });

  const running = () => operations.find((o) => !isSettled(o.status));

  /** Reads the environment and its operations; "deleted" once its delete has succeeded. */
  const load = async (): Promise<"present" | "deleting" | "deleted"> => {
    const deleting = running();
    if (deleting?.kind === "Delete") {
      // The environment is gone when its delete ends: meanwhile only its operations are read.
      operations = await api.list<Operation>(`${base}/operations`, signal);
      const status = operations.find((o) => o.operationId === deleting.operationId)?.status;
      if (status === "Succeeded") return "deleted";
      if (!isSettled(status)) return "deleting";
    }
    [env, operations] = await Promise.all([
      api.get<Environment>(base, signal),
      api.list<Operation>(`${base}/operations`, signal),
    ]);
    return "present";
  };
  const loadOutputs = async () => {
    try {
      outputs =
        (await api.get<{ outputs?: Record<string, Output> }>(`${base}/outputs`, signal)).outputs ?? {};
    } catch (error) {
      if (!signal.aborted) outputsSection.replaceChildren(failure("The outputs could not be loaded", error));
      throw error;
    }
  };

  /** The definition's secure parameters, read once; when it cannot be read, every value counts as one. */
  const loadSecrets = async () => {
    if (secrets) return;
    try {
      const definition = await api.get<Definition>(
        path(
          "projects",
          project,
          "catalogs",
          env.catalogName,
          "environmentDefinitions",
          env.environmentDefinitionName,
        ),
        signal,
      );
      secrets = secretIds(definition.parametersSchema);
    } catch {
      secrets = new Set(Object.keys(env.parameters ?? {}));
    }
  };

  const act = (what: string, run: () => Promise<unknown>, done: string) => {
    status.replaceChildren();
    run().then(
      () => {
        announce(done);
        void refresh(true);
      },
      (error: unknown) => {
        if (!signal.aborted) status.replaceChildren(failure(what, error));
      },
    );
  };

  const renderSummary = () => {
    stateSlot.replaceChildren(badge(env.provisioningState));
    summary.replaceChildren(
      h("h2", { id: "summary-title", class: "visually-hidden" }, "Summary"),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "State"),
        h("dd", { id: "environment-state" }, badge(env.provisioningState)),
        h("dt", {}, "Definition"),
        h("dd", {}, `${env.catalogName}/${env.environmentDefinitionName}`),
        h("dt", {}, "Environment type"),
        h("dd", {}, env.environmentType),
        h("dt", {}, "Owner"),
        h("dd", {}, env.user === context.session.user.objectId ? `${env.user} (you)` : env.user),
        h("dt", {}, "Resource group"),
        h("dd", { class: "mono" }, env.resourceGroupId ?? "— (none yet)"),
      ),
      env.error
        ? h(
            "div",
            { class: "failure", role: "alert", id: "environment-error" },
            h("p", {}, h("strong", {}, `Error ${env.error.code}`)),
            h("pre", { class: "error-message" }, env.error.message),
          )
        : "",
    );
    const current = running();
    actions.replaceChildren(
      h(
        "a",
        {
          class: "button",
          href: `${projectPath(project)}/redeploy/${encodeURIComponent(user)}/${encodeURIComponent(name)}`,
          "aria-disabled": current ? "true" : false,
        },
        "Redeploy",
      ),
      h(
        "button",
        {
          type: "button",
          class: "danger",
          disabled: current !== undefined,
          onclick: () => {
            if (!confirm(`Delete the environment ${name} and its resources?`)) return;
            act(
              "The environment could not be deleted",
              () => api.call("DELETE", base, { signal }),
              `Deleting ${name}.`,
            );
          },
        },
        "Delete",
      ),
      current
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () =>
                act(
                  "The operation could not be canceled",
                  () =>
                    api.call("POST", `${base}/operations/${encodeURIComponent(current.operationId)}:cancel`, {
                      signal,
                    }),
                  "Cancel requested.",
                ),
            },
            `Cancel the running ${current.kind.toLowerCase()}`,
          )
        : "",
    );
  };

  const renderDetails = () => {
    parameters.replaceChildren(
      h("h2", { id: "parameters-title" }, "Parameters"),
      Object.keys(env.parameters ?? {}).length === 0
        ? h("p", { class: "muted" }, "No parameters.")
        : table(
            "Parameters",
            ["Parameter", "Value"],
            Object.entries(env.parameters ?? {}).map(([id, v]) => [
              id,
              revealable("parameter", id, v, secrets?.has(id) ?? false),
            ]),
          ),
    );
    const entries = Object.entries(outputs);
    outputsSection.replaceChildren(
      h("h2", { id: "outputs-title" }, "Outputs"),
      entries.length === 0
        ? h("p", { class: "muted" }, "No outputs (yet).")
        : table(
            "Outputs",
            ["Output", "Type", "Value"],
            entries.map(([key, output]) => [
              key,
              output.type,
              revealable("output", key, output.value, isSensitive(output)),
            ]),
          ),
    );
    expiration.replaceChildren(
      ...expirationSection(api, base, env, signal, (what, run, done) => act(what, run, done)),
    );
  };

  /** A value, masked with a Reveal/Hide button when it is secret. */
  const revealable = (kind: "parameter" | "output", key: string, v: unknown, secret: boolean) => {
    const shown = !secret || revealed.has(`${kind}:${key}`);
    const value = h("code", { [`data-${kind}`]: key }, shown ? showValue(v) : "••••••••");
    const toggle = secret
      ? h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "aria-pressed": String(shown),
            "aria-label": `${shown ? "Hide" : "Reveal"} ${key}`,
            onclick: () => {
              if (!revealed.delete(`${kind}:${key}`)) revealed.add(`${kind}:${key}`);
              renderDetails();
            },
          },
          shown ? "Hide" : "Reveal",
        )
      : null;
    return h("span", { class: "output-value" }, value, toggle);
  };

  const selectLog = (id: string) => {
    selected = id;
    if (log?.id !== id) {
      log = {
        id,
        view: logView(api, `${base}/operations/${encodeURIComponent(id)}/logs`, `${name}-${id}.log`, signal),
      };
      logSection.replaceChildren(h("h2", { id: "log-title" }, `Log of operation ${id}`), log.view.element);
    }
    renderHistory();
    const op = operations.find((o) => o.operationId === id);
    return log.view.refresh(op !== undefined && !isSettled(op.status));
  };

  const renderHistory = () => {
    history.replaceChildren(
      h("h2", { id: "operations-title" }, "Operations"),
      operations.length === 0
        ? h("p", { class: "muted" }, "No operations.")
        : table(
            "Operations",
            ["Kind", "Status", "Started", "Ended", "Error", "Log"],
            operations.map((o) => [
              o.kind,
              badge(o.status),
              formatTime(o.startTime),
              formatTime(o.endTime),
              o.error ? `${o.error.code}: ${o.error.message.split("\n")[0]}` : "—",
              h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  "aria-current": o.operationId === selected ? "true" : false,
                  "aria-label": `Show the log of the ${o.kind.toLowerCase()} started ${formatTime(o.startTime)}`,
                  onclick: () => void selectLog(o.operationId),
                },
                o.operationId === selected ? "Shown" : "Show log",
              ),
            ]),
          ),
    );
  };

  let polling = false;
  /** Reads everything again; keeps reading while an operation runs. */
  const refresh = async (details: boolean): Promise<void> => {
    const wasRunning = running()?.operationId;
    let state: Awaited<ReturnType<typeof load>>;
    try {
      state = await load();
    } catch (error) {
      if (signal.aborted) return;
      status.replaceChildren(failure("The environment could not be loaded", error));
      throw error;
    }
    if (state === "deleted") {
      root.replaceChildren(
        h("h1", {}, `Environment ${name}`),
        h(
          "p",
          { role: "status", id: "environment-deleted" },
          `The environment ${name} has been deleted. `,
          h("a", { href: `${projectPath(project)}/environments` }, "Back to the environments"),
        ),
      );
      return;
    }
    status.replaceChildren();
    const current = running();
    const ended = wasRunning !== undefined && current?.operationId !== wasRunning;
    if (details || ended) await Promise.all([loadOutputs().catch(() => undefined), loadSecrets()]);
    renderSummary();
    if (details || ended) renderDetails();
    const latest = current?.operationId ?? operations[0]?.operationId;
    if (latest && (selected === undefined || selected === wasRunning || details)) await selectLog(latest);
    else if (selected) await selectLog(selected);
    if (ended)
      announce(
        `The ${operations.find((o) => o.operationId === wasRunning)?.kind.toLowerCase() ?? "operation"} has ended.`,
      );
    if (current && !polling) {
      polling = true;
      poll(signal, 1500, async () => {
        await refresh(false);
        polling = running() !== undefined;
        return polling;
      });
    }
  };

  root.append(status, summary, actions, expiration, parameters, outputsSection, history, logSection);
  // A failed read is shown by refresh; anything else is a fault of the page and goes up.
  await refresh(true).catch((error: unknown) => {
    if (!(error instanceof ApiFailure)) throw error;
  });
};
