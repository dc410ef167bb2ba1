/**
 * My environments (admins and project admins may switch to everyone's), with state badges that follow running
 * operations, a filter and a sort. The list is read again while any environment is changing.
 */
import { path } from "../api";
import { announce, badge, formatTime, h, isSettled } from "../dom";
import { environmentHash, failure, heading, poll, projectPath, table, type Page } from "./page";

export interface Environment {
  name: string;
  user: string;
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  provisioningState?: string;
  parameters?: Record<string, unknown>;
  resourceGroupId?: string;
  expirationDate?: string;
  error?: { code: string; message: string };
}

/** GET /management/projects/{projectName}/access (src/api/access.ts). */
interface ProjectAccess {
  projectAdmin: boolean;
}

type SortKey = "name" | "state" | "definition" | "expiration";

const SORTS: [SortKey, string][] = [
  ["name", "Name"],
  ["state", "State"],
  ["definition", "Definition"],
  ["expiration", "Expiration"],
];

function compare(key: SortKey): (a: Environment, b: Environment) => number {
  const value = (e: Environment): string =>
    key === "name"
      ? e.name
      : key === "state"
        ? (e.provisioningState ?? "")
        : key === "definition"
          ? `${e.catalogName}/${e.environmentDefinitionName}`
          : (e.expirationDate ?? "9999");
  return (a, b) => value(a).localeCompare(value(b)) || a.name.localeCompare(b.name);
}

export const environmentsPage: Page = async ({ api, session, signal, params }, root) => {
  const { project } = params;
  heading(root, "Environments", h("a", { class: "button", href: projectPath(project) }, "New environment"));
  let everyone = false;
  let environments: Environment[] = [];
  const status = h("div", { class: "failure-slot" });
  const list = h("div", { class: "list" });

  const search = h("input", { id: "environment-filter", type: "search", placeholder: "Name or definition" });
  const state = h(
    "select",
    { id: "environment-state" },
    [
      ["", "Any state"],
      ["changing", "Changing"],
      ["Succeeded", "Succeeded"],
      ["Failed", "Failed"],
      ["Canceled", "Canceled"],
    ].map(([value, text]) => h("option", { value }, text)),
  );
  const sort = h(
    "select",
    { id: "environment-sort" },
    SORTS.map(([value, text]) => h("option", { value }, text)),
  );
  // Project admins (named in the dev center's config) see everyone's too. If asking fails, the
  // choice is left out; the list below shows what is wrong.
  const administers =
    session.admin ||
    (await api.get<ProjectAccess>(path("management", "projects", project, "access"), signal).then(
      (access) => access.projectAdmin,
      () => false,
    ));
  const scope = administers
    ? h(
        "fieldset",
        { class: "inline" },
        h("legend", {}, "Show"),
        h("label", {}, h("input", { type: "radio", name: "scope", value: "mine", checked: true }), " Mine"),
        h("label", {}, h("input", { type: "radio", name: "scope", value: "everyone" }), " Everyone's"),
      )
    : null;
  root.append(
    h(
      "div",
      { class: "toolbar", role: "search", "aria-label": "Find environments" },
      scope,
      h("div", { class: "field" }, h("label", { for: "environment-filter" }, "Filter"), search),
      h("div", { class: "field" }, h("label", { for: "environment-state" }, "State"), state),
      h("div", { class: "field" }, h("label", { for: "environment-sort" }, "Sort by"), sort),
    ),
    status,
    list,
  );

  const render = () => {
    const text = search.value.trim().toLowerCase();
    const shown = environments
      .filter(
        (e) =>
          !text || `${e.name} ${e.catalogName}/${e.environmentDefinitionName}`.toLowerCase().includes(text),
      )
      .filter((e) =>
        state.value === ""
          ? true
          : state.value === "changing"
            ? !isSettled(e.provisioningState)
            : e.provisioningState === state.value,
      )
      .sort(compare(sort.value as SortKey));
    if (environments.length === 0) {
      list.replaceChildren(
        h(
          "p",
          {},
          everyone ? "This project has no environments." : "You have no environments in this project yet. ",
          everyone ? "" : h("a", { href: projectPath(project) }, "Deploy one"),
        ),
      );
      return;
    }
    const headers = ["Name", "State", "Definition", "Type", ...(everyone ? ["Owner"] : []), "Expires"];
    list.replaceChildren(
      h("p", { class: "muted" }, `${shown.length} of ${environments.length} environments`),
      table(
        "Environments",
        headers,
        shown.map((e) => [
          h("a", { href: environmentHash(project, e.user, e.name) }, e.name),
          badge(e.provisioningState),
          `${e.catalogName}/${e.environmentDefinitionName}`,
          e.environmentType,
          ...(everyone ? [e.user === session.user.objectId ? `${e.user} (you)` : e.user] : []),
          formatTime(e.expirationDate),
        ]),
      ),
    );
  };

  const load = async (): Promise<boolean> => {
    const source = everyone
      ? path("projects", project, "environments")
      : path("projects", project, "users", "me", "environments");
    try {
      const before = new Map(environments.map((e) => [e.name, e.provisioningState]));
      environments = await api.list<Environment>(source, signal);
      status.replaceChildren();
      const changed = environments.filter(
        (e) => before.has(e.name) && before.get(e.name) !== e.provisioningState,
      );
      if (changed.length > 0) announce(changed.map((e) => `${e.name} is ${e.provisioningState}`).join(". "));
    } catch (error) {
      if (signal.aborted) return false;
      status.replaceChildren(failure("The environments could not be loaded", error));
      return true;
    }
    render();
    return environments.some((e) => !isSettled(e.provisioningState));
  };

  let polling = false;
  const refresh = async () => {
    const changing = await load();
    if (changing && !polling) {
      polling = true;
      poll(signal, 2000, async () => {
        const again = await load();
        polling = again;
        return again;
      });
    }
  };
  search.addEventListener("input", render);
  state.addEventListener("change", render);
  sort.addEventListener("change", render);
  scope?.addEventListener("change", (event) => {
    everyone = (event.target as HTMLInputElement).value === "everyone";
    environments = [];
    void refresh();
  });
  await refresh();
};
