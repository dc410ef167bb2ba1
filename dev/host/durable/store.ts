/**
 * Durable state in one Azure Storage table, `<taskHub>Orchestrations`, one partition per orchestration
 * instance, so that everything an episode changes commits in one entity-group transaction:
 *
 *   RowKey "instance"                                 status, input, output, custom status, counters
 *   RowKey "history-<executionId>-<episode>-<part>"   the history events one episode appended
 *   RowKey "message-<time>-<seq>-<rand>"              the inbox: accepted events not yet applied
 *
 * Anything accepted (a start, a raised event, an activity result, a fired timer) is written to the
 * inbox before anyone is told; an episode consumes one message and, in the same transaction,
 * appends history and updates the instance row (guarded by its ETag). A crash therefore either
 * loses the whole episode (the message is still there) or nothing.
 */
import { odata, TableClient, TableEntity, TableTransaction } from "@azure/data-tables";
import { randomBytes } from "node:crypto";
import type { FailureDetails, HistoryEvent } from "./history";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "Failed" | "Terminated" | "Suspended";

export function isTerminal(status: RuntimeStatus): boolean {
  return status === "Completed" || status === "Failed" || status === "Terminated";
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  /** Changes on continueAsNew and on a restart of a finished instance; keys its history rows. */
  executionId: string;
  inputJson: string | null;
  outputJson: string | null;
  customStatusJson: string | null;
  createdTime: Date;
  lastUpdatedTime: Date;
  /** Episodes committed in this execution; numbers the history rows. */
  episodes: number;
  /** Leaf actions of the orchestrator already turned into work (see actions.ts). */
  actionCount: number;
  /** Timers the orchestrator cancelled; they are not re-armed after a restart. */
  canceledTimerIds: number[];
}

export type InboxMessage =
  | { kind: "ExecutionStarted"; executionId: string }
  | { kind: "EventRaised"; name: string; inputJson: string }
  | { kind: "TaskCompleted"; executionId: string; taskId: number; resultJson: string }
  | {
      kind: "TaskFailed";
      executionId: string;
      taskId: number;
      reason?: string;
      details?: string;
      failureDetails?: FailureDetails;
    }
  | { kind: "TimerFired"; executionId: string; timerId: number; fireAt: string }
  | { kind: "Terminate"; reason: string }
  | { kind: "Suspend"; reason: string }
  | { kind: "Resume"; reason: string };

export interface StoredMessage {
  /** RowKey; sorts in arrival order. */
  key: string;
  /** When the message was accepted (ISO). */
  time: string;
  message: InboxMessage;
}

export interface LoadedInstance {
  record: InstanceRecord;
  etag: string;
  /** The current execution's history, in order. */
  history: HistoryEvent[];
  inbox: StoredMessage[];
  /** History rows of earlier executions, left behind by continueAsNew or a restart. */
  staleRowKeys: string[];
}

export interface EpisodeCommit {
  instanceId: string;
  /** ETag of the instance row this episode started from. */
  etag: string;
  record: InstanceRecord;
  /** History appended by this episode, stored under (executionId, episode). */
  history?: { executionId: string; episode: number; events: HistoryEvent[] };
  /** Inbox messages the episode consumed (applied or dropped). */
  consumed: string[];
  /** Messages the episode sends to its own instance (continueAsNew's start, synthesized failures). */
  send: InboxMessage[];
}

export interface InstanceQuery {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  /** Undefined: any status; empty: none. */
  statuses?: RuntimeStatus[];
  instanceIdPrefix?: string;
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

export class TooLargeError extends Error {
  constructor(what: string, chars: number) {
    super(`${what} is too large for the dev host's table storage (${chars} characters)`);
    this.name = "TooLargeError";
  }
}

const INSTANCE_ROW = "instance";
const HISTORY_PREFIX = "history-";
const MESSAGE_PREFIX = "message-";
/** A string property holds at most 32K UTF-16 code units; stay below it. */
const CHUNK_CHARS = 30_000;
/** An entity holds at most 1 MiB; these many chunks stay well below. */
const MAX_CHUNKS_PER_ROW = 14;
/** Entity-group transactions take at most 100 operations. */
const MAX_BATCH = 100;

type Entity = TableEntity<Record<string, unknown>>;

function putText(entity: Entity, name: string, text: string | null, what: string): void {
  if (text === null) {
    entity[`${name}Chunks`] = 0;
    return;
  }
  const chunks = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
  if (chunks > MAX_CHUNKS_PER_ROW) throw new TooLargeError(what, text.length);
  entity[`${name}Chunks`] = chunks;
  for (let i = 0; i < chunks; i++) entity[`${name}${i}`] = text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
}

function getText(entity: Record<string, unknown>, name: string): string | null {
  const chunks = Number(entity[`${name}Chunks`] ?? 0);
  if (chunks === 0) return null;
  let text = "";
  for (let i = 0; i < chunks; i++) text += String(entity[`${name}${i}`] ?? "");
  return text;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

let messageSequence = 0;

/** Row keys that sort in arrival order within this process and, by time, across restarts. */
function newMessageKey(now: number): string {
  messageSequence = (messageSequence + 1) % 1_000_000;
  return `${MESSAGE_PREFIX}${pad(now, 15)}-${pad(messageSequence, 6)}-${randomBytes(3).toString("hex")}`;
}

function historyKeyPrefix(executionId: string): string {
  return `${HISTORY_PREFIX}${executionId}-`;
}

function toInstanceEntity(record: InstanceRecord): Entity {
  const texts = [record.inputJson, record.outputJson, record.customStatusJson];
  const chars = texts.reduce((sum, text) => sum + (text?.length ?? 0), 0);
  if (chars > CHUNK_CHARS * MAX_CHUNKS_PER_ROW) {
    throw new TooLargeError(`The input, output and custom status of instance ${record.instanceId}`, chars);
  }
  const entity: Entity = {
    partitionKey: record.instanceId,
    rowKey: INSTANCE_ROW,
    Name: record.name,
    RuntimeStatus: record.status,
    ExecutionId: record.executionId,
    CreatedTime: record.createdTime,
    LastUpdatedTime: record.lastUpdatedTime,
    Episodes: record.episodes,
    ActionCount: record.actionCount,
    CanceledTimerIds: JSON.stringify(record.canceledTimerIds),
  };
  putText(entity, "Input", record.inputJson, `The input of instance ${record.instanceId}`);
  putText(entity, "Output", record.outputJson, `The output of instance ${record.instanceId}`);
  putText(
    entity,
    "CustomStatus",
    record.customStatusJson,
    `The custom status of instance ${record.instanceId}`,
  );
  return entity;
}

function fromInstanceEntity(entity: Record<string, unknown>): InstanceRecord {
  return {
    instanceId: String(entity.partitionKey),
    name: String(entity.Name),
    status: entity.RuntimeStatus as RuntimeStatus,
    executionId: String(entity.ExecutionId),
    inputJson: getText(entity, "Input"),
    outputJson: getText(entity, "Output"),
    customStatusJson: getText(entity, "CustomStatus"),
    createdTime: new Date(entity.CreatedTime as string | Date),
    lastUpdatedTime: new Date(entity.LastUpdatedTime as string | Date),
    episodes: Number(entity.Episodes ?? 0),
    actionCount: Number(entity.ActionCount ?? 0),
    canceledTimerIds: JSON.parse(String(entity.CanceledTimerIds ?? "[]")) as number[],
  };
}

function toMessageEntity(instanceId: string, stored: StoredMessage): Entity {
  const entity: Entity = {
    partitionKey: instanceId,
    rowKey: stored.key,
    Kind: stored.message.kind,
    Time: stored.time,
  };
  putText(
    entity,
    "Message",
    JSON.stringify(stored.message),
    `A ${stored.message.kind} message for ${instanceId}`,
  );
  return entity;
}

/** Splits an episode's events into rows of at most MAX_CHUNKS_PER_ROW chunks each. */
function toHistoryEntities(instanceId: string, history: NonNullable<EpisodeCommit["history"]>): Entity[] {
  const text = JSON.stringify(history.events);
  const rowChars = CHUNK_CHARS * MAX_CHUNKS_PER_ROW;
  const parts = Math.max(1, Math.ceil(text.length / rowChars));
  if (parts > 20) throw new TooLargeError(`One episode of instance ${instanceId}`, text.length);
  const rows: Entity[] = [];
  for (let part = 0; part < parts; part++) {
    const entity: Entity = {
      partitionKey: instanceId,
      rowKey: `${historyKeyPrefix(history.executionId)}${pad(history.episode, 8)}-${pad(part, 2)}`,
      Kind: "History",
    };
    putText(entity, "Events", text.slice(part * rowChars, (part + 1) * rowChars), "A history row");
    rows.push(entity);
  }
  return rows;
}

function isStatus(error: unknown, status: number): boolean {
  return (error as { statusCode?: number })?.statusCode === status;
}

function nextPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export class DurableStore {
  private constructor(private readonly table: TableClient) {}

  /**
   * Opens (creating when needed) the `<taskHub>Orchestrations` table; its name differs from the
   * real extension's `<taskHub>Instances` / `<taskHub>History` so both can share one account.
   */
  static async open(connectionString: string, taskHub: string): Promise<DurableStore> {
    const table = TableClient.fromConnectionString(connectionString, `${taskHub}Orchestrations`, {
      allowInsecureConnection: /^DefaultEndpointsProtocol=http;|TableEndpoint=http:/i.test(connectionString),
    });
    await table.createTable();
    return new DurableStore(table);
  }

  /** The instance's row, current history and inbox; undefined when there is no instance row. */
  async load(instanceId: string): Promise<{ instance?: LoadedInstance; orphanKeys: string[] }> {
    let instanceEntity: Record<string, unknown> | undefined;
    const historyRows: Record<string, unknown>[] = [];
    const inbox: StoredMessage[] = [];
    const filter = odata`PartitionKey eq ${instanceId}`;
    for await (const entity of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
    })) {
      const key = String(entity.rowKey);
      if (key === INSTANCE_ROW) instanceEntity = entity;
      else if (key.startsWith(HISTORY_PREFIX)) historyRows.push(entity);
      else if (key.startsWith(MESSAGE_PREFIX)) {
        inbox.push({
          key,
          time: String(entity.Time),
          message: JSON.parse(getText(entity, "Message") ?? "null"),
        });
      }
    }
    if (!instanceEntity)
      return { orphanKeys: [...historyRows.map((r) => String(r.rowKey)), ...inbox.map((m) => m.key)] };
    const record = fromInstanceEntity(instanceEntity);
    const current = historyKeyPrefix(record.executionId);
    let text = "";
    const history: HistoryEvent[] = [];
    const staleRowKeys: string[] = [];
    const keys = historyRows.map((row) => String(row.rowKey));
    const rows = historyRows
      .map((row, i) => ({ key: keys[i], row }))
      .sort((a, b) => a.key.localeCompare(b.key));
    rows.forEach(({ key, row }, i) => {
      if (!key.startsWith(current)) {
        staleRowKeys.push(key);
        return;
      }
      text += getText(row, "Events") ?? "";
      // The parts of one episode differ only in their last two digits; the episode ends at its last part.
      const next = rows[i + 1]?.key;
      if (next === undefined || next.slice(0, -2) !== key.slice(0, -2)) {
        history.push(...(JSON.parse(text) as HistoryEvent[]));
        text = "";
      }
    });
    inbox.sort((a, b) => a.key.localeCompare(b.key));
    return {
      instance: { record, etag: String(instanceEntity.etag), history, inbox, staleRowKeys },
      orphanKeys: [],
    };
  }

  /**
   * Writes a new instance row (or replaces a finished one, given its ETag) together with its
   * ExecutionStarted message. Throws ConflictError when someone else changed or created it first.
   */
  async createInstance(record: InstanceRecord, replaceEtag?: string): Promise<void> {
    const message: StoredMessage = {
      key: newMessageKey(Date.now()),
      time: new Date().toISOString(),
      message: { kind: "ExecutionStarted", executionId: record.executionId },
    };
    const transaction = new TableTransaction();
    const entity = toInstanceEntity(record);
    if (replaceEtag) transaction.updateEntity(entity, "Replace", { etag: replaceEtag });
    else transaction.createEntity(entity);
    transaction.createEntity(toMessageEntity(record.instanceId, message));
    try {
      await this.table.submitTransaction(transaction.actions);
    } catch (error) {
      if (isStatus(error, 409) || isStatus(error, 412)) {
        throw new ConflictError(`Instance ${record.instanceId} was changed concurrently`);
      }
      throw error;
    }
  }

  /** Accepts a message for an instance: once this resolves, it will be applied (or dropped) exactly once. */
  async enqueue(instanceId: string, message: InboxMessage): Promise<StoredMessage> {
    const stored: StoredMessage = { key: newMessageKey(Date.now()), time: new Date().toISOString(), message };
    await this.table.createEntity(toMessageEntity(instanceId, stored));
    return stored;
  }

  /** Commits one episode atomically; returns the instance row's new ETag and the messages it sent. */
  async commit(commit: EpisodeCommit): Promise<{ etag: string; sent: StoredMessage[] }> {
    const transaction = new TableTransaction();
    transaction.updateEntity(toInstanceEntity(commit.record), "Replace", { etag: commit.etag });
    if (commit.history)
      for (const row of toHistoryEntities(commit.instanceId, commit.history)) transaction.createEntity(row);
    for (const key of commit.consumed) transaction.deleteEntity(commit.instanceId, key);
    const now = Date.now();
    const sent = commit.send.map((message) => ({
      key: newMessageKey(now),
      time: new Date(now).toISOString(),
      message,
    }));
    for (const stored of sent) transaction.createEntity(toMessageEntity(commit.instanceId, stored));
    if (transaction.actions.length > MAX_BATCH) {
      throw new TooLargeError(`One episode of instance ${commit.instanceId}`, transaction.actions.length);
    }
    try {
      const response = await this.table.submitTransaction(transaction.actions);
      return { etag: String(response.subResponses[0]?.etag), sent };
    } catch (error) {
      if (isStatus(error, 412) || isStatus(error, 409) || isStatus(error, 404)) {
        throw new ConflictError(`Instance ${commit.instanceId} changed under the episode`);
      }
      throw error;
    }
  }

  /** Deletes rows of one instance (stale history, orphaned messages), batched. */
  async deleteRows(instanceId: string, rowKeys: string[]): Promise<void> {
    for (let i = 0; i < rowKeys.length; i += MAX_BATCH) {
      const transaction = new TableTransaction();
      for (const key of rowKeys.slice(i, i + MAX_BATCH)) transaction.deleteEntity(instanceId, key);
      try {
        await this.table.submitTransaction(transaction.actions);
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
        // Someone deleted one of them already; delete the rest one by one.
        for (const key of rowKeys.slice(i, i + MAX_BATCH)) {
          await this.table.deleteEntity(instanceId, key).catch((e: unknown) => {
            if (!isStatus(e, 404)) throw e;
          });
        }
      }
    }
  }

  /** Deletes the history rows of one execution (after continueAsNew). */
  async deleteHistory(instanceId: string, executionId: string): Promise<void> {
    const prefix = historyKeyPrefix(executionId);
    const filter = odata`PartitionKey eq ${instanceId} and RowKey ge ${prefix} and RowKey lt ${nextPrefix(prefix)}`;
    const keys: string[] = [];
    for await (const entity of this.table.listEntities({ queryOptions: { filter, select: ["RowKey"] } })) {
      keys.push(String(entity.rowKey));
    }
    await this.deleteRows(instanceId, keys);
  }

  /** Deletes every row of an instance. */
  async purge(instanceId: string): Promise<void> {
    const keys: string[] = [];
    const filter = odata`PartitionKey eq ${instanceId}`;
    for await (const entity of this.table.listEntities({ queryOptions: { filter, select: ["RowKey"] } })) {
      keys.push(String(entity.rowKey));
    }
    await this.deleteRows(instanceId, keys);
  }

  async getInstance(instanceId: string): Promise<{ record: InstanceRecord; etag: string } | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(instanceId, INSTANCE_ROW);
      return { record: fromInstanceEntity(entity), etag: String(entity.etag) };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** One page of instance records matching the query, and the token for the next page. */
  async listInstances(
    query: InstanceQuery,
    pageSize: number,
    continuationToken?: string,
  ): Promise<{ records: InstanceRecord[]; continuationToken?: string }> {
    if (query.statuses?.length === 0) return { records: [] };
    const pages = this.table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: instanceFilter(query) } })
      .byPage({ maxPageSize: pageSize, continuationToken });
    const page = await pages.next();
    if (page.done) return { records: [] };
    return {
      records: page.value.map(fromInstanceEntity),
      continuationToken: page.value.continuationToken || undefined,
    };
  }

  /** Instances that may have work: unfinished ones and any with unconsumed messages. */
  async instancesWithWork(): Promise<string[]> {
    const ids = new Set<string>();
    const unfinished =
      `RowKey eq '${INSTANCE_ROW}' and ` +
      "(RuntimeStatus eq 'Pending' or RuntimeStatus eq 'Running' or RuntimeStatus eq 'Suspended')";
    const messages = odata`RowKey ge ${MESSAGE_PREFIX} and RowKey lt ${nextPrefix(MESSAGE_PREFIX)}`;
    for (const filter of [unfinished, messages]) {
      const entities = this.table.listEntities({ queryOptions: { filter, select: ["PartitionKey"] } });
      for await (const entity of entities) ids.add(String(entity.partitionKey));
    }
    return [...ids];
  }
}

function instanceFilter(query: InstanceQuery): string {
  const clauses = [`RowKey eq '${INSTANCE_ROW}'`];
  if (query.createdTimeFrom) clauses.push(odata`CreatedTime ge ${query.createdTimeFrom}`);
  if (query.createdTimeTo) clauses.push(odata`CreatedTime le ${query.createdTimeTo}`);
  if (query.statuses && query.statuses.length > 0) {
    clauses.push("(" + query.statuses.map((status) => odata`RuntimeStatus eq ${status}`).join(" or ") + ")");
  }
  if (query.instanceIdPrefix) {
    clauses.push(
      odata`PartitionKey ge ${query.instanceIdPrefix} and PartitionKey lt ${nextPrefix(query.instanceIdPrefix)}`,
    );
  }
  return clauses.join(" and ");
}
