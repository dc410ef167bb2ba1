/** Projects, and a project's environment definitions from every catalog. */
import { path } from "../api";
import { h } from "../dom";
import { fieldsOf, showValue } from "../parameters";
import { failure, heading, projectPath, table, type Page } from "./page";

interface Project {
  name: string;
  displayName?: string;
  description?: string;
}

export interface Definition {
  name: string;
  catalogName: string;
  summary?: string;
  description?: string;
  runner?: string;
  templatePath?: string;
  parameters?: { id: string; required?: boolean }[];
  parametersSchema?: string;
}

export const projectsPage: Page = async ({ api, signal }, root) => {
  heading(root, "Projects");
  let projects: Project[];
  try {
    projects = await api.list<Project>("projects", signal);
  } catch (error) {
    root.append(failure("The projects could not be loaded", error));
    return;
  }
  if (projects.length === 0) {
    root.append(h("p", {}, "You are not a member of any project."));
    return;
  }
  root.append(
    h(
      "ul",
      { class: "cards" },
      projects.map((p) =>
        h(
          "li",
          { class: "card" },
          h("h2", {}, h("a", { href: projectPath(p.name) }, p.displayName ?? p.name)),
          p.description ? h("p", {}, p.description) : null,
          h(
            "p",
            { class: "links" },
            h("a", { href: `${projectPath(p.name)}/environments` }, "Environments"),
            h("a", { href: `${projectPath(p.name)}/catalogs` }, "Catalogs"),
          ),
        ),
      ),
    ),
  );
};

function definitionCard(project: string, d: Definition): HTMLElement {
  const fields = fieldsOf(d.parametersSchema, d.parameters);
  const id = `definition-${d.catalogName}-${d.name}`;
  return h(
    "li",
    { class: "card", "aria-labelledby": id },
    h("h2", { id }, d.name),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Catalog"),
      h("dd", {}, d.catalogName),
      h("dt", {}, "Runner"),
      h("dd", {}, d.runner ?? "—"),
    ),
    d.summary ? h("p", { class: "summary" }, d.summary) : null,
    d.description && d.description !== d.summary ? h("p", {}, d.description) : null,
    fields.length === 0
      ? h("p", { class: "muted" }, "No parameters.")
      : table(
          `Parameters of ${d.name}`,
          ["Parameter", "Type", "Default", "Allowed"],
          fields.map((f) => [
            h(
              "span",
              {},
              h("strong", {}, f.label),
              f.required ? " (required)" : "",
              f.readOnly ? " (read-only)" : "",
              f.description ? h("span", { class: "muted block" }, f.description) : null,
            ),
            f.type,
            f.default === undefined ? "—" : showValue(f.default),
            f.choices ? f.choices.map(showValue).join(", ") : "any",
          ]),
        ),
    h(
      "p",
      {},
      h(
        "a",
        {
          class: "button",
          href: `${projectPath(project)}/deploy/${encodeURIComponent(d.catalogName)}/${encodeURIComponent(d.name)}`,
          "aria-label": `Deploy ${d.name}`,
        },
        "Deploy",
      ),
    ),
  );
}

export const definitionsPage: Page = async ({ api, signal, params }, root) => {
  const project = params.project;
  heading(root, `Environment definitions of ${project}`);
  let definitions: Definition[];
  try {
    definitions = await api.list<Definition>(path("projects", project, "environmentDefinitions"), signal);
  } catch (error) {
    root.append(failure("The environment definitions could not be loaded", error));
    return;
  }
  if (definitions.length === 0) {
    root.append(
      h(
        "p",
        {},
        "No catalog of this project publishes a definition yet. ",
        h("a", { href: `${projectPath(project)}/catalogs` }, "See the catalogs"),
        " for their sync state and errors.",
      ),
    );
    return;
  }
  definitions.sort((a, b) => a.catalogName.localeCompare(b.catalogName) || a.name.localeCompare(b.name));
  root.append(
    h(
      "ul",
      { class: "cards" },
      definitions.map((d) => definitionCard(project, d)),
    ),
  );
};
