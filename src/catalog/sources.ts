/**
 * Where a catalog's files come from: a git branch (isomorphic-git over http(s), shallow, no git
 * binary, the fetched repository held in memory) or a local folder (development), whose "commit" is
 * a hash of its content. Both hand the sync the files under the catalog's folder, keyed by
 * "/"-separated paths relative to that folder.
 */
import { scrubSecrets } from "../core/secrets";
import { createHash } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import fs, { BigIntStats } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import git, { HttpClient, PromiseFsClient } from "isomorphic-git";
import http from "isomorphic-git/http/node";
import type { CatalogConfig } from "../core/devcenter-config";
import { splitContainedPath } from "../core/paths";
import { createMemoryFs } from "./memory-fs";

export type CatalogFiles = Map<string, Uint8Array>;

export type SourceFetch =
  { commit: string; unchanged: true } | { commit: string; unchanged: false; files: CatalogFiles };

export interface CatalogSource {
  /** The files at the current head, or only the head when it is `knownCommit` (nothing to do). */
  fetch(knownCommit: string | undefined): Promise<SourceFetch>;
}

/**
 * A source could not be read. `code`: RepositoryNotFound, BranchNotFound, FolderNotFound,
 * AuthenticationFailed, SourceUnavailable, InvalidCatalogPath. Messages never contain the token.
 */
export class CatalogSourceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CatalogSourceError";
  }
}

/** The catalog folder as path segments ("", "/" and "." are the root). */
export function catalogFolderSegments(folder: string | undefined): string[] {
  const split = splitContainedPath(folder ?? "");
  if (!split.ok)
    throw new CatalogSourceError(
      "InvalidCatalogPath",
      `The catalog path ${JSON.stringify(folder)} ${split.message}.`,
    );
  return split.segments;
}

/** Hash of a set of files: stable whatever order they were read in. */
export function hashFiles(files: CatalogFiles): string {
  const hash = createHash("sha256");
  for (const name of [...files.keys()].sort()) {
    hash
      .update(name)
      .update("\0")
      .update(createHash("sha256").update(files.get(name)!).digest())
      .update("\n");
  }
  return hash.digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Local folder

export interface LocalFolderSourceOptions {
  /** Absolute path of the catalog's root folder. */
  root: string;
  /** The catalog folder inside the root. */
  path?: string;
}

interface FolderEntry {
  /** Relative to the folder, "/"-separated. */
  name: string;
  file: string;
  stat: BigIntStats;
}

/**
 * Every regular file below the folder with its stat; `.git` folders and symbolic links (which could
 * point outside) are skipped. Synchronous on purpose: a promise per file costs about three times the
 * CPU of the system calls themselves, and this walk is what an unchanged re-sync spends its time on.
 */
function listFolder(folder: string): FolderEntry[] {
  const entries: FolderEntry[] = [];
  const visit = (dir: string, prefix: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== ".git") visit(file, `${prefix}${entry.name}/`);
      else if (entry.isFile())
        entries.push({ name: prefix + entry.name, file, stat: fs.statSync(file, { bigint: true }) });
    }
  };
  visit(folder, "");
  return entries;
}

/** A hash of every file's path, size, modification and change times and inode (nothing is read). */
function statFingerprint(entries: FolderEntry[]): string {
  const lines = entries.map(
    ({ name, stat }) => `${name}\0${stat.size}\0${stat.mtimeNs}\0${stat.ctimeNs}\0${stat.ino}`,
  );
  return createHash("sha256").update(lines.sort().join("\n")).digest("hex");
}

/**
 * A file changed this recently may change again within the file system's timestamp granularity
 * (a clock tick; 2 s on FAT) without its stat showing it ("racy git"): a fingerprint that includes
 * such a file is not trusted, and the next sync reads the folder again.
 */
const RACY_WINDOW_MS = 2000;

function changedRecently(entries: FolderEntry[], now: number): boolean {
  const since = BigInt(Math.floor(now - RACY_WINDOW_MS));
  return entries.some(({ stat }) => stat.mtimeMs >= since || stat.ctimeMs >= since);
}

/** Per folder: the stat fingerprint and content hash of its last read, for this process. */
const lastHashed = new Map<string, { fingerprint: string; commit: string }>();

export class LocalFolderSource implements CatalogSource {
  constructor(private readonly options: LocalFolderSourceOptions) {}

  async fetch(knownCommit: string | undefined): Promise<SourceFetch> {
    const folder = path.join(this.options.root, ...catalogFolderSegments(this.options.path));
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new CatalogSourceError(
        "FolderNotFound",
        `The catalog folder ${folder} does not exist or is not a folder.`,
      );
    }
    // Like git's index: when no file's path, size, times or inode changed since the folder was last
    // hashed, its content hash is still the commit, and nothing needs reading.
    const listedAt = Date.now();
    const entries = listFolder(folder);
    const fingerprint = statFingerprint(entries);
    const known = lastHashed.get(folder);
    if (known?.fingerprint === fingerprint && known.commit === knownCommit)
      return { commit: known.commit, unchanged: true };
    const files: CatalogFiles = new Map(entries.map(({ name, file }) => [name, fs.readFileSync(file)]));
    const commit = hashFiles(files);
    if (changedRecently(entries, listedAt)) lastHashed.delete(folder);
    else lastHashed.set(folder, { fingerprint, commit });
    return commit === knownCommit ? { commit, unchanged: true } : { commit, unchanged: false, files };
  }
}

// ---------------------------------------------------------------------------------------------
// Git

export interface GitSourceOptions {
  url: string;
  /** Default: the branch the remote's HEAD points at. */
  branch?: string;
  path?: string;
  /** Personal access token or app token; sent as HTTP Basic password, as GitHub and Azure DevOps accept. */
  token?: string;
  /** Bound on the whole fetch (ms). */
  timeoutMs?: number;
}

const DEFAULT_GIT_TIMEOUT_MS = 5 * 60_000;

/**
 * Keep-alive agents without a socket timeout. Node's global agent times a socket out after 5 s of
 * silence, and a server computing the pack of a large repository is silent longer than that; the
 * fetch as a whole is bounded by timeoutMs instead.
 */
const AGENTS = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };

export class GitSource implements CatalogSource {
  constructor(private readonly options: GitSourceOptions) {
    if (!/^https?:\/\//i.test(options.url)) {
      throw new CatalogSourceError(
        "InvalidCatalogUrl",
        `The catalog URL must be http(s); found ${safeUrl(options.url)}.`,
      );
    }
  }

  async fetch(knownCommit: string | undefined): Promise<SourceFetch> {
    const segments = catalogFolderSegments(this.options.path);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
    // isomorphic-git's fetch takes no AbortSignal, but its HTTP client does: abort every request on timeout.
    const abort = new AbortController();
    const agent = AGENTS[new URL(this.options.url).protocol as keyof typeof AGENTS];
    const client: HttpClient = {
      request: (request) => http.request({ ...request, agent, signal: abort.signal }),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(
          new CatalogSourceError(
            "SourceUnavailable",
            `${this.describe()} did not answer within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.fetchHead(client, knownCommit, segments), timeout]);
    } catch (error) {
      throw this.toSourceError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetchHead(
    client: HttpClient,
    knownCommit: string | undefined,
    segments: string[],
  ): Promise<SourceFetch> {
    const { url } = this.options;
    // One GET of the advertised refs settles "unchanged" without downloading anything.
    const refs = await git.listServerRefs({
      http: client,
      url,
      headers: this.headers(),
      protocolVersion: 1,
      symrefs: true,
      ...(this.options.branch !== undefined && { prefix: `refs/heads/${this.options.branch}` }),
    });
    const ref = this.options.branch
      ? `refs/heads/${this.options.branch}`
      : refs.find((r) => r.ref === "HEAD")?.target;
    const head = refs.find((r) => r.ref === ref)?.oid;
    if (!ref || !head) {
      throw new CatalogSourceError(
        "BranchNotFound",
        `${this.describe()} has no branch ${this.options.branch ?? "behind HEAD (the default branch)"}.`,
      );
    }
    if (head === knownCommit) return { commit: head, unchanged: true };

    // A throwaway repository in memory: nothing of it is kept between syncs.
    const fs = createMemoryFs();
    const gitdir = "/catalog.git";
    const cache = {};
    await git.init({ fs, gitdir, bare: true });
    await git.addRemote({ fs, gitdir, remote: "origin", url });
    const fetched = await git.fetch({
      fs,
      cache,
      http: client,
      gitdir,
      remote: "origin",
      ref: ref.slice("refs/heads/".length),
      singleBranch: true,
      depth: 1,
      tags: false,
      headers: this.headers(),
    });
    // The branch may have moved since the refs were listed: what was fetched is the commit.
    const commit = fetched.fetchHead ?? head;
    if (commit === knownCommit) return { commit, unchanged: true };
    return {
      commit,
      unchanged: false,
      files: await readCommitFolder({ fs, gitdir, cache }, commit, segments, this.describe()),
    };
  }

  private headers(): Record<string, string> {
    // A fresh object each call: isomorphic-git adds to the headers it is given.
    const token = this.options.token;
    return token
      ? { Authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}` }
      : {};
  }

  private describe(): string {
    return `The git repository ${safeUrl(this.options.url)}`;
  }

  private toSourceError(error: unknown): CatalogSourceError {
    if (error instanceof CatalogSourceError) return error;
    const status = (error as { data?: { statusCode?: number } }).data?.statusCode;
    if (status === 401 || status === 403) {
      return new CatalogSourceError(
        "AuthenticationFailed",
        `${this.describe()} refused the request (HTTP ${status}): ` +
          (this.options.token
            ? "check the token in the catalog's secret setting."
            : "it needs a token (secretSetting)."),
      );
    }
    if (status === 404)
      return new CatalogSourceError("RepositoryNotFound", `${this.describe()} was not found (HTTP 404).`);
    const message = error instanceof Error ? error.message : String(error);
    return new CatalogSourceError(
      "SourceUnavailable",
      `${this.describe()} could not be read: ${this.redact(message)}`,
    );
  }

  private redact(text: string): string {
    return scrubSecrets(text, [this.options.token]);
  }
}

/** The URL without user info, query or fragment (those may carry credentials). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(an invalid URL)";
  }
}

/**
 * The files below the catalog folder at the commit, by one walk of its tree (one isomorphic-git
 * command for all objects; subtrees outside the folder are not read).
 */
async function readCommitFolder(
  repo: { fs: PromiseFsClient; gitdir: string; cache: object },
  commit: string,
  segments: string[],
  what: string,
): Promise<CatalogFiles> {
  const folder = segments.join("/");
  const files: CatalogFiles = new Map();
  let found = folder === "";
  await git.walk({
    ...repo,
    trees: [git.TREE({ ref: commit })],
    map: async (filepath, [entry]) => {
      if (!entry) return null;
      const inside = folder === "" || filepath.startsWith(`${folder}/`);
      const type = await entry.type();
      if (type === "tree") {
        if (filepath === folder) found = true;
        // Descend into the folder, what is below it, and the folders on the way to it.
        return inside || filepath === "." || filepath === folder || folder.startsWith(`${filepath}/`)
          ? true
          : null;
      }
      // Submodules ("commit" entries) are not part of the catalog's content; symbolic links (120000) are skipped as in a local folder.
      if (inside && type === "blob" && (await entry.mode()) !== 0o120000) {
        files.set(folder ? filepath.slice(folder.length + 1) : filepath, (await entry.content())!);
      }
      return null;
    },
  });
  if (!found) {
    throw new CatalogSourceError("FolderNotFound", `${what} has no folder ${folder} at commit ${commit}.`);
  }
  return files;
}

/** The source a configured catalog reads from; `readSecret` gives the value of a setting (the git token). */
export function createCatalogSource(
  catalog: CatalogConfig,
  readSecret: (setting: string) => string | undefined,
  options: { cwd?: string; gitTimeoutMs?: number } = {},
): CatalogSource {
  if (catalog.localPath !== undefined) {
    // Relative local paths are relative to the app's folder, like DEVCENTER_CONFIG itself.
    return new LocalFolderSource({
      root: path.resolve(options.cwd ?? process.cwd(), catalog.localPath),
      path: catalog.path,
    });
  }
  let token: string | undefined;
  if (catalog.secretSetting) {
    token = readSecret(catalog.secretSetting);
    if (!token) {
      throw new CatalogSourceError(
        "SecretSettingMissing",
        `The setting ${catalog.secretSetting} named by the catalog's secretSetting is not set (or empty).`,
      );
    }
  }
  return new GitSource({
    url: catalog.gitUrl,
    path: catalog.path,
    ...(catalog.branch !== undefined && { branch: catalog.branch }),
    ...(token !== undefined && { token }),
    ...(options.gitTimeoutMs !== undefined && { timeoutMs: options.gitTimeoutMs }),
  });
}
