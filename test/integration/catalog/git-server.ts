/**
 * Test helpers: git repositories made with isomorphic-git, and a minimal git smart-HTTP server
 * (upload-pack, protocol v1, shallow fetches, side-band-64k) on loopback, so the catalog's git source
 * is tested over real HTTP without a git binary. The server always answers NAK and sends every object
 * of the wanted commits (depth 1), which is valid protocol and all the catalog source asks for.
 */
import fs from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import path from "node:path";
import git from "isomorphic-git";

const AUTHOR = {
  name: "Catalog Test",
  email: "catalog@example.test",
  timestamp: 1_700_000_000,
  timezoneOffset: 0,
};

/** Creates an empty repository in `dir` with branch `main`. */
export async function createRepo(dir: string): Promise<void> {
  await git.init({ fs, dir, defaultBranch: "main" });
}

type Tree = Map<string, Tree | string>;

function toTree(files: Record<string, string | Uint8Array>): Map<string, Tree | Uint8Array> {
  const root = new Map<string, Tree | Uint8Array>();
  for (const [file, content] of Object.entries(files)) {
    const parts = file.split("/");
    let node = root as Map<string, unknown>;
    for (const part of parts.slice(0, -1)) {
      if (!node.has(part)) node.set(part, new Map());
      node = node.get(part) as Map<string, unknown>;
    }
    node.set(parts[parts.length - 1], typeof content === "string" ? Buffer.from(content) : content);
  }
  return root;
}

async function writeTree(dir: string, tree: Map<string, unknown>): Promise<string> {
  const entries = [];
  for (const [name, child] of tree) {
    if (child instanceof Map) {
      entries.push({ mode: "040000", path: name, type: "tree" as const, oid: await writeTree(dir, child) });
    } else {
      const oid = await git.writeBlob({ fs, dir, blob: child as Uint8Array });
      // Scripts stay executable, as in a real catalog repository.
      const mode = name.endsWith(".sh") ? "100755" : "100644";
      entries.push({ mode, path: name, type: "blob" as const, oid });
    }
  }
  return git.writeTree({ fs, dir, tree: entries });
}

/** Commits exactly `files` (path → content) as the new state of `branch`; returns the commit id. */
export async function commitFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
  message = "update catalog",
  branch = "main",
): Promise<string> {
  const tree = await writeTree(dir, toTree(files) as Map<string, unknown>);
  let parent: string[] = [];
  try {
    parent = [await git.resolveRef({ fs, dir, ref: `refs/heads/${branch}` })];
  } catch {
    // first commit of the branch
  }
  const oid = await git.commit({ fs, dir, message, author: AUTHOR, tree, parent, noUpdateBranch: true });
  await git.writeRef({ fs, dir, ref: `refs/heads/${branch}`, value: oid, force: true });
  return oid;
}

function pkt(line: string | Buffer): Buffer {
  const data = typeof line === "string" ? Buffer.from(line) : line;
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, "0")), data]);
}
const FLUSH = Buffer.from("0000");

function readPktLines(body: Buffer): string[] {
  const lines: string[] = [];
  let at = 0;
  while (at + 4 <= body.length) {
    const length = parseInt(body.subarray(at, at + 4).toString(), 16);
    if (length === 0) {
      at += 4;
      continue;
    }
    lines.push(
      body
        .subarray(at + 4, at + length)
        .toString()
        .trimEnd(),
    );
    at += length;
  }
  return lines;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every object of the commit's tree, the commit first. */
async function objectsOf(dir: string, commit: string): Promise<string[]> {
  const oids = [commit];
  const walkTree = async (oid: string): Promise<void> => {
    oids.push(oid);
    const { tree } = await git.readTree({ fs, dir, oid });
    for (const entry of tree) {
      if (entry.type === "tree") await walkTree(entry.oid);
      else if (entry.type === "blob") oids.push(entry.oid);
    }
  };
  const { commit: parsed } = await git.readCommit({ fs, dir, oid: commit });
  await walkTree(parsed.tree);
  return [...new Set(oids)];
}

export interface GitServerRequest {
  method: string;
  path: string;
  authorized: boolean;
}

export interface GitServer {
  /** Clone URL of the repository in `<root>/<name>`. */
  url(name: string): string;
  /** Every request so far (to count fetches). */
  readonly requests: GitServerRequest[];
  stop(): Promise<void>;
}

export interface GitServerOptions {
  /** Folder whose sub-folders are the served repositories. */
  root: string;
  /** When set, requests must carry HTTP Basic credentials whose password is this token. */
  token?: string;
  /** Silence before answering an upload-pack, as a large repository's server computes its pack. */
  packDelayMs?: number;
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const requests: GitServerRequest[] = [];

  const authorized = (req: IncomingMessage): boolean => {
    if (!options.token) return true;
    const header = req.headers.authorization ?? "";
    if (!header.startsWith("Basic ")) return false;
    const decoded = Buffer.from(header.slice(6), "base64").toString();
    return decoded.slice(decoded.indexOf(":") + 1) === options.token;
  };

  const advertise = async (dir: string, res: ServerResponse): Promise<void> => {
    const branches = await git.listBranches({ fs, dir });
    const refs = await Promise.all(
      branches.map(async (b) => ({ ref: `refs/heads/${b}`, oid: await git.resolveRef({ fs, dir, ref: b }) })),
    );
    const head = await git.resolveRef({ fs, dir, ref: "HEAD" }).catch(() => undefined);
    const headTarget = await git.resolveRef({ fs, dir, ref: "HEAD", depth: 2 }).catch(() => undefined);
    const caps = `side-band-64k shallow ofs-delta symref=HEAD:${headTarget ?? "refs/heads/main"} agent=git/catalog-test`;
    const lines = [pkt("# service=git-upload-pack\n"), FLUSH];
    const all = head ? [{ ref: "HEAD", oid: head }, ...refs] : refs;
    all.forEach((r, i) => lines.push(pkt(`${r.oid} ${r.ref}${i === 0 ? `\0${caps}` : ""}\n`)));
    lines.push(FLUSH);
    res.writeHead(200, {
      "content-type": "application/x-git-upload-pack-advertisement",
      "cache-control": "no-cache",
    });
    res.end(Buffer.concat(lines));
  };

  const uploadPack = async (dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const lines = readPktLines(await readBody(req));
    if (options.packDelayMs) {
      // Ends early when the client gives up, so that no timer outlives the test.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.packDelayMs);
        res.on("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed) return;
    }
    const wants = lines.filter((l) => l.startsWith("want ")).map((l) => l.slice(5, 45));
    const deepen = lines.some((l) => l.startsWith("deepen "));
    const parts: Buffer[] = [];
    if (deepen) {
      for (const oid of wants) {
        const { commit } = await git.readCommit({ fs, dir, oid });
        if (commit.parent.length > 0) parts.push(pkt(`shallow ${oid}\n`));
      }
      parts.push(FLUSH);
    }
    parts.push(pkt("NAK\n"));
    const oids = new Set<string>();
    for (const oid of wants) for (const o of await objectsOf(dir, oid)) oids.add(o);
    const { packfile } = await git.packObjects({ fs, dir, oids: [...oids] });
    const pack = Buffer.from(packfile ?? new Uint8Array());
    for (let at = 0; at < pack.length; at += 65515) {
      parts.push(pkt(Buffer.concat([Buffer.from([1]), pack.subarray(at, at + 65515)])));
    }
    parts.push(FLUSH);
    res.writeHead(200, {
      "content-type": "application/x-git-upload-pack-result",
      "cache-control": "no-cache",
    });
    res.end(Buffer.concat(parts));
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ok = authorized(req);
    requests.push({ method: req.method ?? "", path: url.pathname + url.search, authorized: ok });
    const match = /^\/([A-Za-z0-9._-]+)\.git\/(info\/refs|git-upload-pack)$/.exec(url.pathname);
    const dir = match ? path.join(options.root, match[1]) : "";
    const handle = async (): Promise<void> => {
      if (!ok) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end();
      } else if (!match || !fs.existsSync(path.join(dir, ".git"))) {
        res.writeHead(404).end("repository not found");
      } else if (match[2] === "info/refs" && url.searchParams.get("service") === "git-upload-pack") {
        await advertise(dir, res);
      } else if (match[2] === "git-upload-pack" && req.method === "POST") {
        await uploadPack(dir, req, res);
      } else {
        res.writeHead(403).end("only git-upload-pack is served");
      }
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
