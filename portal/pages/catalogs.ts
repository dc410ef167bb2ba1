/** A project's catalogs: sync state, last sync, the commit served, per-definition errors; admins request syncs. */
import { path } from "../api";
import { badge, formatTime, h } from "../dom";
import { failure, heading, poll, table, type Page } from "./page";

interface Catalog {
  name: string;
  syncState?: string;
  lastSyncTime?: string;
  syncedCommit?: string;
  lastSyncStats?: Record<string, number>;
  lastSyncError?: { code: string; message: string };
  definitionErrors?: { code: string; path: string; name?: string; message: string }[];
}

function catalogCard(catalog: Catalog, sync: HTMLElement | null): HTMLElement {
  const id = `catalog-${catalog.name}`;
  const stats = catalog.lastSyncStats;
  return h(
    "li",
    { class: "card", "aria-labelledby": id, "data-catalog": catalog.name },
    h("h2", { id }, catalog.name, " ", badge(catalog.syncState)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Last sync"),
      h("dd", {}, formatTime(catalog.lastSyncTime)),
      h("dt", {}, "Commit served"),
      h("dd", { class: "mono" }, catalog.syncedCommit ?? "—"),
      h("dt", {}, "Last sync changes"),
      h(
        "dd",
        {},
        stats
          ? Object.entries(stats)
              .map(([key, n]) => `${key} ${n}`)
              .join(", ")
          : "—",
      ),
    ),
    catalog.lastSyncError
      ? h(
          "div",
          { class: "failure", role: "alert" },
          h("p", {}, h("strong", {}, `Last sync failed: ${catalog.lastSyncError.code}`)),
          h("pre", { class: "error-message" }, catalog.lastSyncError.message),
        )
      : null,
    catalog.definitionErrors && catalog.definitionErrors.length > 0
      ? table(
          `Definitions of ${catalog.name} that were not published`,
          ["Definition", "File", "Problem"],
          catalog.definitionErrors.map((e) => [
            e.name ?? "—",
            h("code", {}, e.path),
            `${e.code}: ${e.message}`,
          ]),
        )
      : h("p", { class: "muted" }, "Every definition of the served commit is published."),
    sync,
  );
}

export const catalogsPage: Page = async ({ api, session, signal, params }, root) => {
  const { project } = params;
  heading(root, `Catalogs of ${project}`);
  const status = h("div", { class: "failure-slot" });
  const list = h("ul", { class: "cards" });
  root.append(status, list);

  const render = (catalogs: Catalog[]) => {
    list.replaceChildren(
      ...catalogs.map((c) =>
        catalogCard(
          c,
          session.admin
            ? h(
                "p",
                {},
                h(
                  "button",
                  { type: "button", onclick: () => requestSync(c), "aria-label": `Sync ${c.name} now` },
                  "Sync now",
                ),
              )
            : null,
        ),
      ),
    );
  };
  const load = async () => {
    const catalogs = await api.list<Catalog>(path("projects", project, "catalogs"), signal);
    render(catalogs);
    return catalogs;
  };

  const requestSync = (catalog: Catalog) => {
    status.replaceChildren();
    const before = catalog.lastSyncTime;
    api
      .call("POST", `${path("management", "projects", project, "catalogs", catalog.name)}:sync`, { signal })
      .then(
        () => {
          status.replaceChildren(
            h("p", { role: "status" }, `Sync of ${catalog.name} requested; this page shows when it is done.`),
          );
          poll(signal, 1500, async () => {
            const now = (await load()).find((c) => c.name === catalog.name);
            const done = now !== undefined && now.syncState !== "InProgress" && now.lastSyncTime !== before;
            if (done) {
              status.replaceChildren(
                h("p", { role: "status" }, `Sync of ${catalog.name} done: ${now.syncState}.`),
              );
            }
            return !done;
          });
        },
        (error: unknown) => {
          if (!signal.aborted)
            status.replaceChildren(failure(`The sync of ${catalog.name} could not be requested`, error));
        },
      );
  };

  try {
    await load();
  } catch (error) {
    status.replaceChildren(failure("The catalogs could not be loaded", error));
  }
};
