/**
 * RecordStore on Azure Table storage (@azure/data-tables). A record's JSON is kept in string
 * properties json0..jsonN (a string property holds at most 64 KiB, i.e. 32 Ki UTF-16 units; an entity
 * at most 1 MiB and 255 properties), so values up to ~480 000 characters fit; larger ones are refused.
 * The stored JSON is ASCII (non-ASCII characters \u-escaped): chunks never split a character, and
 * Azurite 3.35, which decodes request bodies chunk by chunk, cannot garble multi-byte characters.
 * ETags give optimistic concurrency: conditional replace/delete map 412/409/404 to RecordConflictError.
 * A batch is an entity group transaction (one partition, all or none). Azurite 3.35 ignores a
 * delete's If-Match inside a batch, so batches take only unconditional deletes (the port says so).
 */
import type { TokenCredential } from "@azure/identity";
import { TableClient, TableEntity, TransactionAction, odata } from "@azure/data-tables";
import { restStatus } from "./rest-errors";
import type { StorageConnection } from "../config";
import {
  ListRecordsOptions,
  MAX_BATCH_WRITES,
  RecordBatchStore,
  RecordConflict,
  RecordConflictError,
  RecordStoreError,
  RecordWrite,
  StoredRecord,
} from "../storage/ports";

/** The most entities Table storage answers in one page. */
const MAX_PAGE = 1000;
const CHUNK_CHARS = 32000;
const MAX_CHUNKS = 15;
export const MAX_RECORD_JSON_CHARS = CHUNK_CHARS * MAX_CHUNKS;
const CHUNK_PREFIX = "json";

/** The statuses a failed batch answers with when one of its writes conflicted. */
const BATCH_CONFLICTS: Record<number, RecordConflict> = { 409: "exists", 412: "changed", 404: "missing" };

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
// Characters Table storage forbids in PartitionKey/RowKey.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const MAX_KEY_CHARS = 512;

export function isInsecureLoopbackConnectionString(connectionString: string): boolean {
  return /usedevelopmentstorage=true|defaultendpointsprotocol=http;|endpoint=http:\/\//i.test(
    connectionString,
  );
}

/** `credential` is required for an identity-based connection. */
export function createTableClient(
  connection: StorageConnection,
  table: string,
  credential?: TokenCredential,
): TableClient {
  if (connection.kind === "connectionString") {
    return TableClient.fromConnectionString(connection.connectionString, table, {
      allowInsecureConnection: isInsecureLoopbackConnectionString(connection.connectionString),
    });
  }
  if (!credential) throw new Error("An identity-based storage connection needs a credential.");
  return new TableClient(connection.tableServiceUri, table, credential);
}

function toAsciiJson(value: unknown): string | undefined {
  return JSON.stringify(value)?.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function splitJson(json: string): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < json.length; start += CHUNK_CHARS)
    chunks.push(json.slice(start, start + CHUNK_CHARS));
  return chunks;
}

function joinJson(entity: Record<string, unknown>): string {
  let json = "";
  for (let i = 0; typeof entity[`${CHUNK_PREFIX}${i}`] === "string"; i++)
    json += entity[`${CHUNK_PREFIX}${i}`];
  return json;
}

/** The smallest string greater than every string that starts with `prefix`. */
function prefixUpperBound(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xffff) return prefix.slice(0, i) + String.fromCharCode(code + 1);
  }
  return undefined;
}

export class TableRecordStore<T extends object> implements RecordBatchStore<T> {
  private tableReady: Promise<void> | undefined;

  constructor(
    private readonly client: TableClient,
    private readonly table: string,
  ) {
    if (!TABLE_NAME.test(table)) {
      throw new RecordStoreError(
        "InvalidTableName",
        `Table name "${table}" is invalid: use 3-63 letters and digits, starting with a letter.`,
      );
    }
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredRecord<T> | undefined> {
    this.checkKeys(partitionKey, rowKey);
    await this.ensureTable();
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
      return { partitionKey, rowKey, value: this.parse(entity, partitionKey, rowKey), etag: entity.etag };
    } catch (error) {
      if (restStatus(error) === 404) return undefined;
      throw this.failed("read", partitionKey, rowKey, error);
    }
  }

  async create(partitionKey: string, rowKey: string, value: T): Promise<string> {
    const entity = this.toEntity(partitionKey, rowKey, value);
    await this.ensureTable();
    try {
      const result = await this.client.createEntity(entity);
      return result.etag ?? "";
    } catch (error) {
      if (restStatus(error) === 409) {
        throw this.conflict(partitionKey, rowKey, "exists");
      }
      throw this.failed("create", partitionKey, rowKey, error);
    }
  }

  private conflict(partitionKey: string, rowKey: string, conflict: RecordConflict): RecordConflictError {
    return new RecordConflictError(this.table, partitionKey, rowKey, conflict);
  }

  async replace(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string> {
    const entity = this.toEntity(partitionKey, rowKey, value);
    await this.ensureTable();
    try {
      const result = await this.client.updateEntity(entity, "Replace", { etag });
      return result.etag ?? "";
    } catch (error) {
      const status = restStatus(error);
      if (status === 412) {
        throw this.conflict(partitionKey, rowKey, "changed");
      }
      if (status === 404) {
        throw this.conflict(partitionKey, rowKey, "missing");
      }
      throw this.failed("replace", partitionKey, rowKey, error);
    }
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    this.checkKeys(partitionKey, rowKey);
    await this.ensureTable();
    try {
      await this.client.deleteEntity(partitionKey, rowKey, { etag: etag ?? "*" });
    } catch (error) {
      const status = restStatus(error);
      if (status === 404) return;
      if (status === 412) {
        throw this.conflict(partitionKey, rowKey, "changed");
      }
      throw this.failed("delete", partitionKey, rowKey, error);
    }
  }

  async batch(partitionKey: string, writes: RecordWrite<T>[]): Promise<string[]> {
    if (writes.length === 0) return [];
    if (writes.length > MAX_BATCH_WRITES) {
      throw new RecordStoreError(
        "BatchTooLarge",
        `A batch of table ${this.table} takes at most ${MAX_BATCH_WRITES} writes, not ${writes.length}.`,
      );
    }
    const actions = writes.map((write): TransactionAction => {
      if (write.kind === "delete") {
        this.checkKeys(partitionKey, write.rowKey);
        return ["delete", { partitionKey, rowKey: write.rowKey }];
      }
      const entity = this.toEntity(partitionKey, write.rowKey, write.value);
      if (write.kind === "create") return ["create", entity];
      if (write.kind === "upsert") return ["upsert", entity, "Replace"];
      return ["update", entity, "Replace", { etag: write.etag }];
    });
    await this.ensureTable();
    try {
      const result = await this.client.submitTransaction(actions);
      return writes.map((_, i) => result.subResponses[i]?.etag ?? "");
    } catch (error) {
      const conflict = BATCH_CONFLICTS[restStatus(error) ?? 0];
      // The service names the failed write by its index: "2:The specified resource does not exist."
      const index = Number(/^(\d+):/.exec(error instanceof Error ? error.message : "")?.[1] ?? 0);
      const rowKey = (writes[index] ?? writes[0]).rowKey;
      if (conflict) throw this.conflict(partitionKey, rowKey, conflict);
      throw this.failed("write a batch of", partitionKey, rowKey, error);
    }
  }

  async list(partitionKey: string, options: ListRecordsOptions = {}): Promise<StoredRecord<T>[]> {
    this.checkKeys(partitionKey, options.prefix ?? "");
    this.checkKeys(options.from ?? "", options.after ?? "");
    this.checkKeys(options.before ?? "", "");
    await this.ensureTable();
    let filter = odata`PartitionKey eq ${partitionKey}`;
    if (options.prefix) {
      filter += odata` and RowKey ge ${options.prefix}`;
      const upper = prefixUpperBound(options.prefix);
      if (upper !== undefined) filter += odata` and RowKey lt ${upper}`;
    }
    if (options.from !== undefined) filter += odata` and RowKey ge ${options.from}`;
    if (options.after !== undefined) filter += odata` and RowKey gt ${options.after}`;
    if (options.before !== undefined) filter += odata` and RowKey lt ${options.before}`;
    const limit = options.limit ?? Infinity;
    const records: StoredRecord<T>[] = [];
    if (limit <= 0) return records;
    try {
      const entities = this.client.listEntities<Record<string, unknown>>({
        // $top: a limited list reads pages of its limit, not the service's pages of 1000.
        queryOptions: { filter, ...(limit < MAX_PAGE && { top: limit }) },
      });
      for await (const entity of entities) {
        const rowKey = entity.rowKey ?? "";
        records.push({
          partitionKey,
          rowKey,
          value: this.parse(entity, partitionKey, rowKey),
          etag: entity.etag,
        });
        if (records.length >= limit) break;
      }
    } catch (error) {
      throw this.failed("list", partitionKey, "*", error);
    }
    return records;
  }

  private ensureTable(): Promise<void> {
    this.tableReady ??= this.client.createTable().catch((error: unknown) => {
      this.tableReady = undefined;
      throw new RecordStoreError(
        "StorageRequestFailed",
        `Creating table ${this.table} failed: ${error instanceof Error ? error.message : String(error)}`,
        restStatus(error),
      );
    });
    return this.tableReady;
  }

  private checkKeys(partitionKey: string, rowKey: string): void {
    for (const key of [partitionKey, rowKey]) {
      if (FORBIDDEN_KEY_CHARS.test(key) || key.length > MAX_KEY_CHARS) {
        throw new RecordStoreError(
          "InvalidRecordKey",
          `Record key ${JSON.stringify(key.slice(0, 100))} in table ${this.table} is invalid: ` +
            `keys may not contain / \\ # ? or control characters, nor exceed ${MAX_KEY_CHARS} characters.`,
        );
      }
    }
  }

  private toEntity(partitionKey: string, rowKey: string, value: T): TableEntity<Record<string, string>> {
    this.checkKeys(partitionKey, rowKey);
    const json = toAsciiJson(value);
    if (json === undefined || typeof value !== "object" || value === null) {
      throw new RecordStoreError(
        "InvalidRecordValue",
        `Record ${this.table}/${partitionKey}/${rowKey}: the value must be a JSON object.`,
      );
    }
    const chunks = splitJson(json);
    if (chunks.length > MAX_CHUNKS) {
      throw new RecordStoreError(
        "RecordTooLarge",
        `Record ${this.table}/${partitionKey}/${rowKey} is too large: its JSON has ${json.length} characters, ` +
          `the limit is ${MAX_RECORD_JSON_CHARS}. Keep large data in a blob and store its name.`,
        413,
      );
    }
    const entity: TableEntity<Record<string, string>> = { partitionKey, rowKey };
    chunks.forEach((chunk, i) => (entity[`${CHUNK_PREFIX}${i}`] = chunk));
    return entity;
  }

  private parse(entity: Record<string, unknown>, partitionKey: string, rowKey: string): T {
    try {
      return JSON.parse(joinJson(entity)) as T;
    } catch {
      throw new RecordStoreError(
        "CorruptRecord",
        `Record ${this.table}/${partitionKey}/${rowKey} does not hold a JSON value written by this store.`,
      );
    }
  }

  private failed(action: string, partitionKey: string, rowKey: string, error: unknown): RecordStoreError {
    if (error instanceof RecordStoreError) return error;
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return new RecordStoreError(
      "StorageRequestFailed",
      `Could not ${action} record ${this.table}/${partitionKey}/${rowKey}: ${detail}`,
      restStatus(error),
    );
  }
}
