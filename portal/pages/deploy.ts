/**
 * The deploy form, generated from the definition's parametersSchema: one control per parameter
 * (choices for `allowed`, the manifest defaults filled in, required marked, read-only shown but not
 * editable), the environment type, an optional expiration. Checked here first; a 400 from the service
 * is shown at the field it names. Redeploy is the same form for an existing environment.
 */
import { ApiFailure, describeFailure, path } from "../api";
import { announce, h, isoToLocalInput, localInputToIso } from "../dom";
import { fieldOfTarget, fieldsOf, readField, showValue, type Field } from "../parameters";
import type { Definition } from "./definitions";
import type { Environment } from "./environments";
import { environmentHash, failure, heading, projectPath, type Page } from "./page";

interface EnvironmentType {
  name: string;
  displayName?: string;
  status: string;
}

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9-_.]{2,62}$/;

interface Slot {
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
  label: string;
  read(): string;
}

/** A labelled control with its hint and error slot; the error is tied to the control for screen readers. */
function fieldBox(
  key: string,
  label: string,
  control: Slot["control"],
  options: { required?: boolean; hint?: string; inline?: boolean } = {},
): { box: HTMLElement; error: HTMLElement } {
  const id = `field-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const hint = options.hint ? h("p", { class: "hint", id: `${id}-hint` }, options.hint) : null;
  control.setAttribute("aria-describedby", [hint ? `${id}-hint` : "", `${id}-error`].join(" ").trim());
  if (options.required) control.setAttribute("aria-required", "true");
  const text = h(
    "label",
    { for: id },
    label,
    options.required ? h("span", { class: "required" }, " (required)") : "",
  );
  const box = options.inline
    ? h("div", { class: "field checkbox" }, control, text, hint, error)
    : h("div", { class: "field" }, text, hint, control, error);
  return { box, error };
}

function parameterControl(
  field: Field,
  initial: unknown,
): { control: Slot["control"]; read(): string; inline: boolean } {
  const value = showValue(initial);
  if (field.readOnly) {
    const input = h("input", { type: "text", value, readonly: true, "aria-readonly": "true" });
    return { control: input, read: () => "", inline: false };
  }
  if (field.choices) {
    const select = h(
      "select",
      {},
      initial === undefined ? h("option", { value: "" }, field.required ? "Choose…" : "(not set)") : null,
      field.choices.map((c) =>
        h("option", { value: showValue(c), selected: showValue(c) === value }, showValue(c)),
      ),
    );
    return { control: select, read: () => select.value, inline: false };
  }
  if (field.type === "boolean" && (initial !== undefined || field.required)) {
    const box = h("input", { type: "checkbox", checked: initial === true });
    return { control: box, read: () => String(box.checked), inline: true };
  }
  if (field.type === "boolean") {
    const select = h(
      "select",
      {},
      ["", "true", "false"].map((v) => h("option", { value: v }, v || "(not set)")),
    );
    return { control: select, read: () => select.value, inline: false };
  }
  if (field.secret) {
    // Masked as typed; a secure object is entered as one line of JSON.
    const input = h("input", { type: "password", autocomplete: "new-password", spellcheck: "false", value });
    return { control: input, read: () => input.value, inline: false };
  }
  if (field.type === "array" || field.type === "object") {
    const area = h("textarea", { rows: 4, spellcheck: "false" });
    area.value = initial === undefined ? "" : JSON.stringify(initial, null, 2);
    return { control: area, read: () => area.value, inline: false };
  }
  const numeric = field.type === "integer" || field.type === "number";
  const input = h("input", {
    type: numeric ? "number" : "text",
    ...(numeric && {
      step: field.type === "integer" ? "1" : "any",
      inputmode: field.type === "integer" ? "numeric" : "decimal",
    }),
    value,
  });
  return { control: input, read: () => input.value, inline: false };
}

export const deployPage: Page = async ({ api, signal, params, navigate }, root) => {
  const { project } = params;
  const redeploying = params.environment !== undefined;
  let existing: Environment | undefined;
  let definition: Definition;
  let types: EnvironmentType[];
  try {
    if (redeploying) {
      existing = await api.get<Environment>(
        path("projects", project, "users", params.user, "environments", params.environment),
        signal,
      );
    }
    const catalog = existing?.catalogName ?? params.catalog;
    const name = existing?.environmentDefinitionName ?? params.definition;
    [definition, types] = await Promise.all([
      api.get<Definition>(
        path("projects", project, "catalogs", catalog, "environmentDefinitions", name),
        signal,
      ),
      api.list<EnvironmentType>(path("projects", project, "environmentTypes"), signal),
    ]);
  } catch (error) {
    heading(root, redeploying ? `Redeploy ${params.environment}` : `Deploy ${params.definition}`);
    root.append(failure("The form could not be prepared", error));
    return;
  }
  heading(root, existing ? `Redeploy ${existing.name}` : `Deploy ${definition.name}`);
  root.append(
    h(
      "p",
      {},
      `Definition ${definition.name} from catalog ${definition.catalogName}`,
      definition.runner ? `, runner ${definition.runner}` : "",
      ". ",
      definition.summary ?? "",
    ),
  );

  const slots = new Map<string, Slot>();
  const add = (key: string, label: string, control: Slot["control"], read: () => string, options = {}) => {
    const { box, error } = fieldBox(key, label, control, options);
    slots.set(key, { control, error, label, read });
    return box;
  };

  const nameInput = h("input", {
    type: "text",
    autocomplete: "off",
    value: existing?.name ?? "",
    readonly: existing !== undefined,
  });
  const typeSelect = h(
    "select",
    { disabled: existing !== undefined },
    existing ? null : h("option", { value: "" }, "Choose…"),
    types.map((t) =>
      h(
        "option",
        {
          value: t.name,
          disabled: t.status !== "Enabled",
          selected: t.name === existing?.environmentType || (types.length === 1 && !existing),
        },
        `${t.displayName ?? t.name}${t.status !== "Enabled" ? " (disabled)" : ""}`,
      ),
    ),
  );
  const expiration = h("input", { type: "datetime-local", value: isoToLocalInput(existing?.expirationDate) });

  const fields = fieldsOf(definition.parametersSchema, definition.parameters);
  const parameterBoxes = fields.map((field) => {
    const initial =
      existing?.parameters && field.id in existing.parameters ? existing.parameters[field.id] : field.default;
    const { control, read, inline } = parameterControl(field, initial);
    const hint = [field.description, field.readOnly ? "Read-only: set by the definition." : ""]
      .filter(Boolean)
      .join(" ");
    return add(`parameters.${field.id}`, field.label, control, read, {
      required: field.required && !field.readOnly,
      hint: hint || undefined,
      inline,
    });
  });

  const formError = h("div", { class: "failure-slot", role: "alert" });
  const submit = h("button", { type: "submit" }, existing ? "Redeploy" : "Deploy");
  const form = h(
    "form",
    { class: "stack", novalidate: true, "aria-label": existing ? "Redeploy" : "Deploy" },
    add("environmentName", "Environment name", nameInput, () => nameInput.value.trim(), {
      required: true,
      hint: existing
        ? "An environment keeps its name."
        : "3–63 letters, digits, '-', '_' or '.', starting with a letter or digit.",
    }),
    add("environmentType", "Environment type", typeSelect, () => typeSelect.value, {
      required: true,
      hint: existing ? "An environment keeps its type." : undefined,
    }),
    fields.length > 0
      ? h("fieldset", {}, h("legend", {}, "Parameters"), parameterBoxes)
      : h("p", { class: "muted" }, "This definition has no parameters."),
    add("expirationDate", "Expires at (optional)", expiration, () => expiration.value, {
      hint: "Your local time. The environment is deleted after it; leave empty to keep it until you delete it.",
    }),
    formError,
    h(
      "div",
      { class: "actions" },
      submit,
      h(
        "a",
        { href: existing ? environmentHash(project, existing.user, existing.name) : projectPath(project) },
        "Cancel",
      ),
    ),
  );
  root.append(form);

  const showError = (key: string, message: string): boolean => {
    const slot = slots.get(key);
    if (!slot) return false;
    slot.error.textContent = `${slot.label}: ${message}`;
    slot.control.setAttribute("aria-invalid", "true");
    return true;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    formError.replaceChildren();
    for (const slot of slots.values()) {
      slot.error.textContent = "";
      slot.control.removeAttribute("aria-invalid");
    }
    const name = nameInput.value.trim();
    if (!NAME_PATTERN.test(name))
      showError(
        "environmentName",
        "must be 3–63 letters, digits, '-', '_' or '.', starting with a letter or digit",
      );
    const environmentType = existing?.environmentType ?? typeSelect.value;
    if (!environmentType) showError("environmentType", "choose one");
    const expirationDate = localInputToIso(expiration.value);
    if (expiration.value !== "" && expirationDate === undefined)
      showError("expirationDate", "is not a date and time");
    else if (expirationDate !== undefined && Date.parse(expirationDate) <= Date.now())
      showError("expirationDate", "must be in the future");
    const parameters: Record<string, unknown> = {};
    for (const field of fields) {
      if (field.readOnly) continue;
      const slot = slots.get(`parameters.${field.id}`) as Slot;
      const result = readField(field, slot.read());
      if (!result.ok) showError(`parameters.${field.id}`, result.message);
      else if (result.value !== undefined) parameters[field.id] = result.value;
    }
    const invalid = [...slots.values()].find((slot) => slot.control.getAttribute("aria-invalid") === "true");
    if (invalid) {
      invalid.control.focus();
      return;
    }
    submit.disabled = true;
    const owner = existing?.user ?? "me";
    api
      .call<Environment>("PUT", path("projects", project, "users", owner, "environments", name), {
        signal,
        body: {
          environmentType,
          catalogName: definition.catalogName,
          environmentDefinitionName: definition.name,
          parameters,
          ...(expirationDate !== undefined && { expirationDate }),
        },
      })
      .then(
        (reply) => {
          announce(`${existing ? "Redeploy" : "Deployment"} of ${name} started.`);
          navigate(environmentHash(project, reply.body.user, reply.body.name));
        },
        (error: unknown) => {
          submit.disabled = false;
          if (signal.aborted) return;
          const placed =
            error instanceof ApiFailure &&
            [
              ...error.details.map((d) => [d.target, d.message] as const),
              [error.target, error.message] as const,
            ]
              .map(([target, message]) => {
                const key = fieldOfTarget(target);
                return key !== undefined && showError(key, message);
              })
              .some(Boolean);
          formError.replaceChildren(
            h(
              "p",
              { class: "failure" },
              describeFailure(existing ? "The redeploy was refused" : "The deployment was refused", error),
            ),
          );
          const first = [...slots.values()].find(
            (slot) => slot.control.getAttribute("aria-invalid") === "true",
          );
          if (placed && first) first.control.focus();
        },
      );
  });
};
