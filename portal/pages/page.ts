/** What every page gets, and the pieces pages share (headings, failure messages, tables). */
import { ApiFailure, describeFailure, type Api } from "../api";
import type { Session } from "../auth";
import { h, type Child } from "../dom";

export interface PageContext {
  api: Api;
  session: Session;
  /** Aborted when the user leaves the page: stops its polling and pending calls. */
  signal: AbortSignal;
  /** The route's parameters, decoded. */
  params: Record<string, string>;
  navigate(hash: string): void;
}

export type Page = (context: PageContext, root: HTMLElement) => Promise<void>;

/** The page's title: the h1 and the document title. */
export function heading(root: HTMLElement, title: string, ...extra: Child[]): HTMLElement {
  document.title = `${title} · Developer portal`;
  const element = h("h1", {}, title);
  root.append(extra.length > 0 ? h("div", { class: "page-head" }, element, ...extra) : element);
  return element;
}

/** A failed call in words, with a way back to sign-in when the token was refused. */
export function failure(what: string, error: unknown): HTMLElement {
  const box = h("div", { class: "failure", role: "alert" }, h("p", {}, describeFailure(what, error)));
  if (error instanceof ApiFailure && error.status === 401) {
    box.append(h("p", {}, h("a", { href: "#/sign-in" }, "Sign in again")));
  }
  return box;
}

export function table(caption: string, headers: string[], rows: Child[][]): HTMLElement {
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": caption, tabindex: 0 },
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((text) => h("th", { scope: "col" }, text)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((cells) =>
          h(
            "tr",
            {},
            cells.map((cell) => h("td", {}, cell)),
          ),
        ),
      ),
    ),
  );
}

/** Runs `step` every `ms` until the page is left or `step` says stop; a failed step is shown, then retried. */
export function poll(signal: AbortSignal, ms: number, step: () => Promise<boolean>): void {
  const tick = async () => {
    if (signal.aborted) return;
    let again = true;
    try {
      again = await step();
    } catch {
      // The step shows its own failure; polling goes on so a passing outage heals by itself.
    }
    if (again && !signal.aborted) setTimeout(() => void tick(), ms);
  };
  setTimeout(() => void tick(), ms);
}

export function projectPath(project: string): string {
  return `#/p/${encodeURIComponent(project)}`;
}

export function environmentHash(project: string, user: string, name: string): string {
  return `${projectPath(project)}/environments/${encodeURIComponent(user)}/${encodeURIComponent(name)}`;
}
