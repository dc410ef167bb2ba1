/**
 * BlobStore on Azure Blob storage (@azure/storage-blob). Containers are created on first use: a call
 * that finds its container missing creates it and tries once more, so the common path costs one
 * request. Logs are append blobs written in blocks of at most 4 MiB.
 */
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, ContainerClient } from "@azure/storage-blob";
import type { StorageConnection } from "../config";
import { AppendLogOptions, BlobInfo, BlobStore, BlobStoreError, PutBlobOptions } from "../storage/ports";
import { restCode, restStatus } from "./rest-errors";

export const MAX_APPEND_BLOCK_BYTES = 4 * 1024 * 1024;

const CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export class AzureBlobStore implements BlobStore {
  constructor(private readonly service: BlobServiceClient) {}

  async put(
    container: string,
    name: string,
    data: Uint8Array | string,
    options: PutBlobOptions = {},
  ): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const blob = this.container(container).getBlockBlobClient(name);
    await this.withContainer(container, name, "write", () =>
      blob.uploadData(bytes, {
        blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : undefined,
      }),
    );
  }

  async get(container: string, name: string): Promise<Buffer | undefined> {
    try {
      return await this.container(container).getBlobClient(name).downloadToBuffer();
    } catch (error) {
      if (restStatus(error) === 404) return undefined;
      throw this.failed("read", container, name, error);
    }
  }

  async exists(container: string, name: string): Promise<boolean> {
    try {
      return await this.container(container).getBlobClient(name).exists();
    } catch (error) {
      throw this.failed("check", container, name, error);
    }
  }

  async list(container: string, prefix?: string): Promise<BlobInfo[]> {
    const blobs: BlobInfo[] = [];
    try {
      for await (const item of this.container(container).listBlobsFlat({ prefix })) {
        blobs.push({
          name: item.name,
          size: item.properties.contentLength ?? 0,
          contentType: item.properties.contentType,
          lastModified: item.properties.lastModified,
        });
      }
    } catch (error) {
      if (restCode(error) === "ContainerNotFound") return [];
      throw this.failed("list", container, prefix ?? "", error);
    }
    return blobs;
  }

  async delete(container: string, name: string): Promise<void> {
    try {
      await this.container(container).getBlobClient(name).delete();
    } catch (error) {
      if (restStatus(error) === 404) return;
      throw this.failed("delete", container, name, error);
    }
  }

  async appendLog(
    container: string,
    name: string,
    text: string,
    options: AppendLogOptions = {},
  ): Promise<void> {
    const log = this.container(container).getAppendBlobClient(name);
    const bytes = Buffer.from(text, "utf8");
    const create = () => this.withContainer(container, name, "create log", () => log.createIfNotExists());
    if (bytes.length === 0) {
      await create();
      return;
    }
    let position = options.appendPosition;
    for (let offset = 0; offset < bytes.length; offset += MAX_APPEND_BLOCK_BYTES) {
      const block = bytes.subarray(offset, offset + MAX_APPEND_BLOCK_BYTES);
      const conditions = position === undefined ? undefined : { appendPosition: position };
      const append = () => log.appendBlock(block, block.length, { conditions });
      try {
        await append().catch(async (error: unknown) => {
          if (restCode(error) !== "BlobNotFound" && restCode(error) !== "ContainerNotFound") throw error;
          await create();
          await append();
        });
      } catch (error) {
        if (restCode(error) === "AppendPositionConditionNotMet") {
          throw new BlobStoreError(
            "BlobConflict",
            `Log ${container}/${name} does not have ${position} bytes: someone else appended to it.`,
            412,
          );
        }
        throw this.failed("append to", container, name, error);
      }
      if (position !== undefined) position += block.length;
    }
  }

  async logSize(container: string, name: string): Promise<number | undefined> {
    try {
      const properties = await this.container(container).getBlobClient(name).getProperties();
      return properties.contentLength ?? 0;
    } catch (error) {
      if (restStatus(error) === 404) return undefined;
      throw this.failed("read", container, name, error);
    }
  }

  async *streamLog(container: string, name: string, start: number, end: number): AsyncIterable<Uint8Array> {
    if (end <= start) return;
    let body: NodeJS.ReadableStream | undefined;
    try {
      // One ranged download, read as it arrives; a dropped connection is resumed where it broke.
      ({ readableStreamBody: body } = await this.container(container)
        .getBlobClient(name)
        .download(start, end - start, { maxRetryRequests: 5 }));
    } catch (error) {
      throw this.failed("read", container, name, error);
    }
    if (!body) throw this.failed("read", container, name, new Error("the download has no body"));
    for await (const chunk of body) yield chunk as Uint8Array;
  }

  private container(name: string): ContainerClient {
    if (!CONTAINER_NAME.test(name)) {
      throw new BlobStoreError(
        "InvalidContainerName",
        `Container name "${name}" is invalid: use 3-63 lowercase letters, digits and single dashes.`,
      );
    }
    return this.service.getContainerClient(name);
  }

  /** Runs `action`; if the container does not exist yet, creates it and runs `action` again. */
  private async withContainer<R>(
    container: string,
    name: string,
    verb: string,
    action: () => Promise<R>,
  ): Promise<R> {
    try {
      return await action();
    } catch (error) {
      if (restCode(error) !== "ContainerNotFound") throw this.failed(verb, container, name, error);
    }
    try {
      await this.container(container).createIfNotExists();
      return await action();
    } catch (error) {
      throw this.failed(verb, container, name, error);
    }
  }

  private failed(action: string, container: string, name: string, error: unknown): BlobStoreError {
    if (error instanceof BlobStoreError) return error;
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return new BlobStoreError(
      "StorageRequestFailed",
      `Could not ${action} blob ${container}/${name}: ${detail}`,
      restStatus(error),
    );
  }
}

/** `credential` is required for an identity-based connection. */
export function createBlobStore(connection: StorageConnection, credential?: TokenCredential): BlobStore {
  if (connection.kind === "connectionString") {
    return new AzureBlobStore(BlobServiceClient.fromConnectionString(connection.connectionString));
  }
  if (!credential) throw new Error("An identity-based storage connection needs a credential.");
  return new AzureBlobStore(new BlobServiceClient(connection.blobServiceUri, credential));
}
