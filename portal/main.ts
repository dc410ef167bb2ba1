/** The portal's start: its config, the sign-in, and a hash router that renders one page at a time. */
import "./styles.css";
import { Api } from "./api";
import { createSignIn, type Session, type SignIn, type SignInConfig } from "./auth";
import { h } from "./dom";
import { catalogsPage } from "./pages/catalogs";
import { definitionsPage, projectsPage } from "./pages/definitions";
import { deployPage } from "./pages/deploy";
import { environmentPage } from "./pages/environment";
import { environmentsPage } from "./pages/environments";
import { failure, projectPath, type Page } from "./pages/page";
import { signInPage } from "./pages/sign-in";

interface PortalConfig {
  apiVersion: string;
  signIn: SignInConfig;
}

const ROUTES: [pattern: string, page: Page][] = [
  ["", projectsPage],
  ["p/:project", definitionsPage],
  ["p/:project/deploy/:catalog/:definition", deployPage],
  ["p/:project/redeploy/:user/:environment", deployPage],
  ["p/:project/environments", environmentsPage],
  ["p/:project/environments/:user/:environment", environmentPage],
  ["p/:project/catalogs", catalogsPage],
];

function match(hash: string): { page: Page; params: Record<string, string> } | undefined {
  const segments = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  for (const [pattern, page] of ROUTES) {
    const parts = pattern.split("/").filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = parts.every((part, i) => {
      if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segments[i]);
      return part.startsWith(":") || part === segments[i];
    });
    if (fits) return { page, params };
  }
  return undefined;
}

function renderNav(project: string | undefined, hash: string): void {
  const nav = document.getElementById("nav") as HTMLElement;
  nav.replaceChildren();
  if (!project) return;
  const base = projectPath(project);
  const links: [string, string][] = [
    [base, "Definitions"],
    [`${base}/environments`, "Environments"],
    [`${base}/catalogs`, "Catalogs"],
  ];
  nav.append(
    h(
      "ul",
      {},
      links.map(([href, text]) => {
        const current = hash === href || (href !== base && hash.startsWith(`${href}/`));
        return h("li", {}, h("a", { href, "aria-current": current ? "page" : false }, text));
      }),
    ),
  );
}

function renderUser(session: Session | undefined, onSignOut: () => void): void {
  const area = document.getElementById("user") as HTMLElement;
  area.replaceChildren();
  if (!session) return;
  area.append(
    h("span", {}, `Signed in as ${session.user.name}`, session.admin ? " (admin)" : ""),
    h("button", { type: "button", class: "secondary", onclick: onSignOut }, "Sign out"),
  );
}

async function start(): Promise<void> {
  const main = document.getElementById("main") as HTMLElement;
  let config: PortalConfig;
  let signIn: SignIn;
  let session: Session | undefined;
  try {
    const response = await fetch("config.json");
    if (!response.ok) throw new Error(`config.json answered ${response.status}`);
    config = (await response.json()) as PortalConfig;
    signIn = await createSignIn(config.signIn);
    session = await signIn.resume();
  } catch (error) {
    main.replaceChildren(failure("The portal could not start", error));
    return;
  }

  let leave = new AbortController();
  const render = async () => {
    leave.abort();
    leave = new AbortController();
    const signal = leave.signal;
    const hash = location.hash || "#/";
    main.replaceChildren();
    renderUser(session, () => {
      void session?.signOut().then(() => {
        session = undefined;
        location.hash = "#/sign-in";
      });
    });
    if (!session || hash === "#/sign-in") {
      renderNav(undefined, hash);
      await signInPage(signIn, main, (started) => {
        session = started;
        location.hash = hash === "#/sign-in" ? "#/" : hash;
        void render();
      });
      return;
    }
    const route = match(hash);
    renderNav(route?.params.project, hash);
    if (!route) {
      main.append(h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Go to the projects")));
      return;
    }
    const api = new Api(config.apiVersion, session.token);
    try {
      await route.page(
        { api, session, signal, params: route.params, navigate: (to) => (location.hash = to) },
        main,
      );
    } catch (error) {
      if (!signal.aborted) main.append(failure("This page could not be shown", error));
    }
    // Moving the focus to the new page tells keyboard and screen reader users that it changed.
    if (!signal.aborted && document.activeElement === document.body) main.focus();
  };
  window.addEventListener("hashchange", () => void render());
  await render();
}

void start();
