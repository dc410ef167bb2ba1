/** Sign-in: a user name locally (the dev host issues the token), Entra ID in Azure. */
import type { Session, SignIn } from "../auth";
import { h } from "../dom";

export async function signInPage(
  signIn: SignIn,
  root: HTMLElement,
  signedIn: (session: Session) => void,
): Promise<void> {
  document.title = "Sign in · Developer portal";
  root.append(h("h1", {}, "Sign in"));
  const message = h("div", { role: "alert", class: "failure-slot" });
  const config = signIn.config;
  if (config.kind === "unavailable") {
    root.append(h("div", { class: "failure", role: "alert" }, h("p", {}, config.message)));
    return;
  }
  if (config.kind === "entra") {
    const button = h("button", { type: "button" }, "Sign in with Microsoft");
    button.addEventListener("click", () => {
      signIn.signInEntra().catch((error: unknown) => {
        message.replaceChildren(h("p", { class: "failure" }, `Sign-in failed: ${(error as Error).message}`));
      });
    });
    root.append(h("p", {}, "Sign in with your work account."), button, message);
    return;
  }
  const user = h("input", {
    id: "sign-in-user",
    name: "user",
    autocomplete: "username",
    required: true,
    "aria-describedby": "sign-in-help",
  });
  const admin = h("input", { id: "sign-in-admin", type: "checkbox", name: "admin" });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h(
      "p",
      { id: "sign-in-help" },
      "Local sign-in: any user name works, and the same name is always the same user. ",
      "Admins (the DevCenter.Admin role) see everyone's environments and may sync catalogs.",
    ),
    h("div", { class: "field" }, h("label", { for: "sign-in-user" }, "User name"), user),
    h("div", { class: "field checkbox" }, admin, h("label", { for: "sign-in-admin" }, "Sign in as an admin")),
    h("div", {}, h("button", { type: "submit" }, "Sign in")),
    message,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = user.value.trim();
    if (name === "") {
      message.replaceChildren(h("p", { class: "failure" }, "Enter a user name."));
      user.focus();
      return;
    }
    signIn.signInLocal(name, admin.checked).then(signedIn, (error: unknown) => {
      message.replaceChildren(h("p", { class: "failure" }, `Sign-in failed: ${(error as Error).message}`));
    });
  });
  root.append(form);
  user.focus();
}
