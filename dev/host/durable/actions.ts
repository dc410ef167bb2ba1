/**
 * What an orchestrator episode returns (the SDK's OrchestratorState) and how to read its actions.
 *
 * The SDK returns every action since the start of the execution, compound ones (Task.all / any)
 * nesting their children. It gives task ids in the order it first tracks each leaf task, so the
 * engine walks the tree depth-first and counts each action object once: a task reused in a
 * later Task.any appears again in the tree as the very same object.
 */
import type { RetryOptions } from "./history";

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const actionTypeName: Record<number, string> = Object.fromEntries(
  Object.entries(ActionType).map(([name, value]) => [value, name]),
);

export function describeActionType(type: number): string {
  return actionTypeName[type] ?? `action type ${type}`;
}

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  /** Activity / continueAsNew input; the SDK has already JSON-encoded strings once. */
  input?: unknown;
  retryOptions?: RetryOptions;
  fireAt?: Date | string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: OrchestratorAction[];
}

export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export function isOrchestratorState(value: unknown): value is OrchestratorState {
  const state = value as OrchestratorState | undefined;
  return (
    typeof state === "object" &&
    state !== null &&
    typeof state.isDone === "boolean" &&
    Array.isArray(state.actions)
  );
}

/** Leaf actions in the order the SDK numbers their tasks, each action object once. */
export function leafActions(state: OrchestratorState): OrchestratorAction[] {
  const seen = new Set<OrchestratorAction>();
  const out: OrchestratorAction[] = [];
  const visit = (action: OrchestratorAction) => {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
      return;
    }
    if (seen.has(action)) return;
    seen.add(action);
    out.push(action);
  };
  for (const list of state.actions) for (const action of list) visit(action);
  return out;
}

/**
 * JSON text of an action's input as the Durable extension stores it: the SDK hands strings over
 * already encoded, other values as they are.
 */
export function inputJson(input: unknown): string | null {
  if (input === undefined) return null;
  return typeof input === "string" ? input : JSON.stringify(input);
}

/** The failure the SDK throws when an orchestrator fails: "<message>\n\n$OutOfProcData$:<state JSON>". */
const OUT_OF_PROC_DATA = "\n\n$OutOfProcData$:";

/** The error message and custom status of an orchestrator failure the SDK threw. */
export function orchestratorFailure(error: unknown): { message: string; customStatus?: unknown } {
  const text = error instanceof Error ? error.message : String(error);
  const at = text.indexOf(OUT_OF_PROC_DATA);
  if (at < 0) return { message: text };
  try {
    const state = JSON.parse(text.slice(at + OUT_OF_PROC_DATA.length)) as OrchestratorState;
    return { message: state.error ?? text.slice(0, at), customStatus: state.customStatus };
  } catch {
    return { message: text.slice(0, at) };
  }
}
