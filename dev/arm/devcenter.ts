/**
 * Microsoft.DevCenter, as far as reading a dev center's configuration needs it: dev centers, their
 * catalogs and environment types, projects (listed per subscription), and projects' catalogs and
 * environment types. PUT stores the body as given (id, name and type filled in), GET and list return
 * it; nothing is validated beyond the path. Used to stand in for Azure Deployment Environments'
 * management plane in the migration tests. Kept in `devcenter.json` in the state folder.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResourceProvider } from "./context";
import { ArmRequest, Reply, decode, isObject, methodNotAllowed, notFound } from "./reply";

const PROVIDER = "/providers/microsoft.devcenter/";
const RESOURCE =
  /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.devcenter\/(devcenters|projects)\/[^/]+)(?:\/(catalogs|environmenttypes)(?:\/([^/]+))?)?$/i;
const PROJECTS_OF_SUBSCRIPTION = /^(\/subscriptions\/[^/]+)\/providers\/microsoft\.devcenter\/projects$/i;

const TYPES: Record<string, string> = {
  devcenters: "Microsoft.DevCenter/devcenters",
  projects: "Microsoft.DevCenter/projects",
  "devcenters/catalogs": "Microsoft.DevCenter/devcenters/catalogs",
  "devcenters/environmenttypes": "Microsoft.DevCenter/devcenters/environmentTypes",
  "projects/catalogs": "Microsoft.DevCenter/projects/catalogs",
  "projects/environmenttypes": "Microsoft.DevCenter/projects/environmentTypes",
};

type Resource = Record<string, unknown> & { id: string };

export class DevCenter implements ResourceProvider {
  private readonly file: string;
  private resources: Record<string, Resource>;

  constructor(stateDir: string) {
    this.file = join(stateDir, "devcenter.json");
    this.resources = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, "utf8")) as Record<string, Resource>)
      : {};
  }

  route({ method, path, body }: ArmRequest): Reply | undefined {
    if (!path.toLowerCase().includes(PROVIDER)) return undefined;
    let m: RegExpExecArray | null;
    if ((m = PROJECTS_OF_SUBSCRIPTION.exec(path))) {
      if (method !== "GET") throw methodNotAllowed(method, path);
      const prefix = `${m[1].toLowerCase()}/resourcegroups/`;
      return this.list(
        (id) => id.startsWith(prefix) && /\/providers\/microsoft\.devcenter\/projects\/[^/]+$/.test(id),
      );
    }
    if (!(m = RESOURCE.exec(path))) return undefined;
    const [, parent, parentKind, childKind, childName] = m;
    if (childKind && childName === undefined) {
      if (method !== "GET") throw methodNotAllowed(method, path);
      this.get(parent.toLowerCase(), parent);
      const prefix = `${parent.toLowerCase()}/${childKind.toLowerCase()}/`;
      return this.list((id) => id.startsWith(prefix) && !id.slice(prefix.length).includes("/"));
    }
    const key = path.toLowerCase();
    if (method === "GET") return { status: 200, body: this.get(key, path) };
    if (method === "PUT") {
      const type =
        TYPES[
          childKind ? `${parentKind.toLowerCase()}/${childKind.toLowerCase()}` : parentKind.toLowerCase()
        ];
      const name = decode(path.split("/").pop()!);
      const resource: Resource = { ...(isObject(body) ? body : {}), id: path, name, type };
      const created = !this.resources[key];
      this.resources[key] = resource;
      this.save();
      return { status: created ? 201 : 200, body: resource };
    }
    if (method === "DELETE") {
      for (const id of Object.keys(this.resources))
        if (id === key || id.startsWith(`${key}/`)) delete this.resources[id];
      this.save();
      return { status: 200 };
    }
    throw methodNotAllowed(method, path);
  }

  clear(): void {
    this.resources = {};
    this.save();
  }

  private get(key: string, path: string): Resource {
    const resource = this.resources[key];
    if (!resource) throw notFound("ResourceNotFound", `The resource '${path}' was not found.`);
    return resource;
  }

  private list(match: (id: string) => boolean): Reply {
    return {
      status: 200,
      body: {
        value: Object.entries(this.resources)
          .filter(([id]) => match(id))
          .map(([, r]) => r),
      },
    };
  }

  private save(): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.resources));
    renameSync(temporary, this.file);
  }
}
