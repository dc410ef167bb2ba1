/** Small DOM helpers: elements from tags, attributes and children; formatting of dates and states. */

export type Child = Node | string | number | null | undefined | false;

type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * An element: attributes (false/null/undefined are left out, true is an empty attribute), `on<event>`
 * listeners, and children (strings become text; nothing is parsed as HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined)
      element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Tells screen readers about a change that is not where the focus is. */
export function announce(message: string): void {
  const region = document.getElementById("announcer");
  if (region) region.textContent = message;
}

export function formatTime(value: string | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** Provisioning and operation states after which nothing changes by itself. */
const SETTLED = new Set(["Succeeded", "Failed", "Canceled", "TransientFailure", "StorageProvisioningFailed"]);

export function isSettled(state: string | undefined): boolean {
  return state === undefined || SETTLED.has(state);
}

const BADGE_TONE: Record<string, string> = {
  Succeeded: "ok",
  Failed: "bad",
  TransientFailure: "bad",
  StorageProvisioningFailed: "bad",
  Canceled: "muted",
  NotSynced: "muted",
  NotStarted: "muted",
};

/** A state as a badge; states still changing say so with a spinner-free "…" (no motion needed). */
export function badge(state: string | undefined): HTMLElement {
  const text = state ?? "Unknown";
  const tone = BADGE_TONE[text] ?? (isSettled(text) ? "muted" : "busy");
  return h("span", { class: `badge badge-${tone}`, "data-state": text }, tone === "busy" ? `${text}…` : text);
}

/** A value of a datetime-local input as an ISO date-time (local time), or undefined when empty. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === "") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An ISO date-time as a datetime-local input value (local time, minutes). */
export function isoToLocalInput(value: string | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
