/** What the emulator's core gives each resource provider, and what a provider offers the core. */
import { ArmRequest, AsyncOperation, Reply } from "./reply";
import { EmulatorState, ResourceGroupRecord } from "./state";

export interface ArmContext {
  /** The current state (replaced on reset: read it through the context each time). */
  readonly state: EmulatorState;
  readonly stateDir: string;
  /** Writes the state file. */
  save(): void;
  /** Runs work after ms; cancelled when the emulator stops or resets. */
  later(ms: number, work: () => Promise<void> | void): void;
  /** Registers a long-running operation (in memory: a restart forgets it, as the SDK then sees 404). */
  startOperation(): { id: string; operation: AsyncOperation };
  operation(id: string): AsyncOperation | undefined;
  /** https://127.0.0.1:port, for long-running-operation URLs. */
  baseUrl(): string;
  /** The group, or ARM's ResourceGroupNotFound. */
  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord;
}

export interface ResourceProvider {
  /** The answer, or undefined when the request is not this provider's. */
  route(request: ArmRequest): Promise<Reply> | Reply | undefined;
}
