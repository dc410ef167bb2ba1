/**
 * An environment's expiration: when there is one, delay it (the expire action's :delay) or skip it
 * (:skip, no expiration any more); when there is none, set one (PATCH expirationDate).
 */
import type { Api } from "../api";
import { formatTime, h, isoToLocalInput, localInputToIso } from "../dom";
import type { Environment } from "./environments";

type Act = (what: string, run: () => Promise<unknown>, done: string) => void;

export function expirationSection(
  api: Api,
  base: string,
  env: Environment,
  signal: AbortSignal,
  act: Act,
): Node[] {
  const input = h("input", {
    id: "expiration-input",
    type: "datetime-local",
    value: isoToLocalInput(env.expirationDate),
    "aria-describedby": "expiration-error",
  });
  const error = h("p", { class: "field-error", id: "expiration-error" });
  const chosen = (): string | undefined => {
    const iso = localInputToIso(input.value);
    const message =
      iso === undefined
        ? "Choose a date and time."
        : Date.parse(iso) <= Date.now()
          ? "Choose a time in the future."
          : "";
    error.textContent = message;
    input.setAttribute("aria-invalid", String(message !== ""));
    if (message) input.focus();
    return message ? undefined : iso;
  };
  const has = env.expirationDate !== undefined;
  const change = h(
    "button",
    {
      type: "submit",
    },
    has ? "Delay to this time" : "Set expiration",
  );
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, "aria-label": "Expiration" },
    h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: "expiration-input" },
        has ? "New expiration (your local time)" : "Expires at (your local time)",
      ),
      input,
      error,
    ),
    change,
    has
      ? h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () =>
              act(
                "The expiration could not be skipped",
                () => api.call("POST", `${base}/actions/expire:skip`, { signal }),
                "The environment no longer expires.",
              ),
          },
          "Skip expiration (keep it)",
        )
      : null,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const until = chosen();
    if (!until) return;
    if (has) {
      const query = `${base}/actions/expire:delay?until=${encodeURIComponent(until)}`;
      act(
        "The expiration could not be delayed",
        () => api.call("POST", query, { signal }),
        `Expiration moved to ${formatTime(until)}.`,
      );
    } else {
      act(
        "The expiration could not be set",
        () =>
          api.call("PATCH", base, {
            signal,
            body: { expirationDate: until },
            contentType: "application/merge-patch+json",
          }),
        `The environment expires at ${formatTime(until)}.`,
      );
    }
  });
  return [
    h("h2", { id: "expiration-title" }, "Expiration"),
    h(
      "p",
      { id: "expiration-current" },
      has
        ? `Deleted automatically after ${formatTime(env.expirationDate)}.`
        : "No expiration: the environment stays until it is deleted.",
    ),
    form,
  ];
}
