/**
 * The developer portal in Debian's Chromium against the product as `npm start` runs it (dev host,
 * Azurite, ARM emulator, the real runner): sign in, deploy from the generated form, watch the log
 * stream, outputs, redeploy, expiration, delete, errors at their fields, who sees what.
 * Needs `npm run build` and /usr/bin/chromium. PORTAL_SCREENSHOTS=1 writes docs/portal/*.png.
 */
import { readFile, writeFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { localObjectId } from "../../../dev/token";
import { REPO_ROOT } from "../../../dev/stack";
import { Stack, type Json } from "../../support/stack";
import { launchBrowser, signIn, WAIT_MS, type Browser, type TrackedPage } from "./browser";

jest.setTimeout(6 * WAIT_MS);

const ENVIRONMENTS = "/projects/demo/users/me/environments";

/**
 * The sample counter, but its deploy first prints a line and waits for the test's go-ahead (a file):
 * the test sees that line in the portal while the operation still runs.
 */
async function gatedCounter(gate: string): Promise<Record<string, string>> {
  const sample = path.join(REPO_ROOT, "samples", "catalog", "counter", "deploy.sh");
  return {
    "sample-deploy.sh": await readFile(sample, "utf8"),
    "deploy.sh": [
      "#!/bin/bash",
      "set -e",
      'echo "Waiting for the go-ahead"',
      `while [[ ! -e ${JSON.stringify(gate)} ]]; do sleep 0.2; done`,
      'echo "Go-ahead received"',
      "exec bash ./sample-deploy.sh",
      "",
    ].join("\n"),
  };
}

function choosyManifest(allowed: string[]): string {
  return [
    "name: choosy",
    "summary: A definition whose allowed sizes change",
    "runner: Bicep",
    "templatePath: main.bicep",
    "parameters:",
    "  - id: size",
    "    name: Size",
    "    type: string",
    `    allowed: [${allowed.join(", ")}]`,
    `    default: ${allowed[0]}`,
    "",
  ].join("\n");
}

const CHOOSY = {
  "environment.yaml": choosyManifest(["small", "large"]),
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho deployed\n",
};

/** A definition whose deploy never ends by itself (the test cancels it). */
const HANGING = {
  "environment.yaml": "name: hanging\nsummary: Never finishes\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho 'waiting forever'\nexec sleep 600\n",
};

/** A definition with a secure parameter, whose deploy says only how long the value was. */
const SECRETIVE = {
  "environment.yaml": [
    "name: secretive",
    "summary: Takes a password",
    "runner: Bicep",
    "templatePath: main.bicep",
    "parameters:",
    "  - id: password",
    "    name: Password",
    "    type: securestring",
    "    required: true",
    "  - id: region",
    "    name: Region",
    "    type: string",
    "    default: west",
    "",
  ].join("\n"),
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho deployed\n",
};

const PLAIN = {
  "environment.yaml": "name: plain\nsummary: Deploys nothing\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho deployed\n",
};

/** How far the page is wider than the window (the test's code runs in the page, as text: no DOM types here). */
async function sidewaysOverflow(page: TrackedPage["page"]): Promise<number> {
  return (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
}

/** A datetime-local value `days` from now (local time, minutes). */
function localInput(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

describe("developer portal (Chromium + dev host + real runner)", () => {
  let stack: Stack;
  let browser: Browser;
  let gateDir: string;
  let gate: string;
  let alice: string;
  let admin: string;

  beforeAll(async () => {
    gateDir = await mkdtemp(path.join(os.tmpdir(), "portal-gate-"));
    gate = path.join(gateDir, "go");
    stack = await Stack.start({
      definitions: {
        counter: await gatedCounter(gate),
        choosy: CHOOSY,
        plain: PLAIN,
        hanging: HANGING,
        secretive: SECRETIVE,
      },
      projectAdmins: [localObjectId("dana")],
    });
    alice = await stack.token("alice");
    admin = await stack.services.token("ops", { admin: true });
    await stack.catalogSynced(alice);
    browser = await launchBrowser();
  }, 3 * WAIT_MS);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await rm(gateDir, { recursive: true, force: true });
  });

  let tab: TrackedPage;
  afterEach(async () => {
    // Every test fails on a console error it did not expect.
    const errors = tab?.errors() ?? [];
    await tab?.page.close();
    expect(errors).toEqual([]);
  });

  const portal = () => `${stack.url}/portal/`;

  it("deploys counter from the form, streams its log, shows outputs, redeploys, changes the expiration, deletes", async () => {
    tab = await browser.open(portal());
    const { page } = tab;
    await tab.screenshot("sign-in");
    await signIn(tab, "alice");
    await page.getByRole("link", { name: "Demo" }).click();
    await page.getByRole("heading", { name: "Environment definitions of demo" }).waitFor();
    const counter = page.locator("li.card", {
      has: page.getByRole("heading", { name: "counter", exact: true }),
    });
    await counter.getByText("Counts its deployments").waitFor();
    await counter.getByText("Bicep").waitFor();
    await counter.getByText("How much each deployment adds to the counter").waitFor();
    await tab.screenshot("definitions");

    await page.getByRole("link", { name: "Deploy counter" }).click();
    await page.getByRole("heading", { name: "Deploy counter" }).waitFor();
    // The manifest's defaults are filled in; allowed values are the choices; the only type is chosen.
    expect(await page.getByLabel("Step").inputValue()).toBe("1");
    expect(await page.getByLabel("Label").inputValue()).toBe("demo");
    expect(await page.getByLabel("Label").locator("option").allTextContents()).toEqual(["demo", "test"]);
    expect(await page.getByLabel("Environment type").inputValue()).toBe("Dev");

    // Client-side checks first: a bad name and a fractional step are refused at their fields.
    await page.getByLabel("Environment name").fill("x");
    await page.getByLabel("Step").fill("1.5");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.getByText("Environment name: must be 3–63").waitFor();
    await page.getByText("Step: must be a whole number").waitFor();
    expect(await page.getByLabel("Step").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Environment name").fill("portal-counter");
    await page.getByLabel("Step").fill("3");
    await page.getByLabel("Label").selectOption("test");
    await page.getByLabel("Expires at (optional)").fill(localInput(2));
    await tab.screenshot("deploy-form");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();

    await page.getByRole("heading", { name: /^Environment portal-counter/ }).waitFor();
    const log = page.locator("pre.log");
    await log.getByText("Waiting for the go-ahead").waitFor();
    // The line is on the page while the operation still runs (it waits for the gate).
    const running = await stack.request("GET", `${ENVIRONMENTS}/portal-counter/operations`, alice);
    expect((running.body.value as Json[])[0]).toMatchObject({ kind: "Deploy", status: "Running" });
    await page.getByText(/^Live: the operation is running/).waitFor();
    await tab.screenshot("environment-running");

    await writeFile(gate, "go\n");
    await page.locator('#environment-state [data-state="Succeeded"]').waitFor();
    await log.getByText("counter 0 -> 3 (step 3)").waitFor();
    await page.getByText(/^The operation has ended; this is its whole log/).waitFor();
    await page.locator('[data-output="count"]', { hasText: "3" }).waitFor();
    await page.locator('[data-output="label"]', { hasText: "test" }).waitFor();
    // The secure output is masked until revealed.
    expect(await page.locator('[data-output="secret"]').textContent()).toBe("••••••••");
    await page.getByRole("button", { name: "Reveal secret" }).click();
    await page.locator('[data-output="secret"]', { hasText: "counter-secret-3" }).waitFor();
    await page.getByText(/^Deleted automatically after/).waitFor();
    await tab.screenshot("environment");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download" }).click();
    const file = await (await download).path();
    expect(await readFile(file, "utf8")).toContain("counter 0 -> 3 (step 3)");

    // Redeploy with an edited parameter: the form starts from the environment's values.
    await page.getByRole("link", { name: "Redeploy" }).click();
    await page.getByRole("heading", { name: "Redeploy portal-counter" }).waitFor();
    expect(await page.getByLabel("Step").inputValue()).toBe("3");
    expect(await page.getByLabel("Label").inputValue()).toBe("test");
    await page.getByLabel("Step").fill("2");
    await page.getByRole("button", { name: "Redeploy" }).click();
    await page.getByRole("heading", { name: /^Environment portal-counter/ }).waitFor();
    await page.locator('[data-output="count"]', { hasText: "5" }).waitFor();
    await page.locator('#environment-state [data-state="Succeeded"]').waitFor();
    await page.locator("pre.log").getByText("counter 3 -> 5 (step 2)").waitFor();
    expect(await page.getByRole("region", { name: "Operations" }).locator("tbody tr").count()).toBe(2);

    // Delay the expiration.
    const before = (await stack.request("GET", `${ENVIRONMENTS}/portal-counter`, alice)).body.expirationDate;
    const later = localInput(5);
    await page.getByLabel("New expiration (your local time)").fill(later);
    await page.getByRole("button", { name: "Delay to this time" }).click();
    await page.getByText(`Deleted automatically after ${new Date(later).toLocaleString()}`).waitFor();
    const after = (await stack.request("GET", `${ENVIRONMENTS}/portal-counter`, alice)).body.expirationDate;
    expect(after).not.toBe(before);
    expect(Date.parse(after as string)).toBe(new Date(later).getTime());

    // The list shows it with its state; the filter narrows it.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Environments" }).click();
    const list = page.getByRole("region", { name: "Environments" });
    await list.getByRole("link", { name: "portal-counter" }).waitFor();
    await list.locator('[data-state="Succeeded"]').first().waitFor();
    await tab.screenshot("environments");
    await page.getByRole("searchbox", { name: "Filter" }).fill("no-such-environment");
    await page.getByText("0 of 1 environments").waitFor();
    await page.getByRole("searchbox", { name: "Filter" }).fill("");
    await list.getByRole("link", { name: "portal-counter" }).click();

    // Delete.
    await page.getByRole("heading", { name: /^Environment portal-counter/ }).waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByText("The environment portal-counter has been deleted.").waitFor();
    expect((await stack.request("GET", `${ENVIRONMENTS}/portal-counter`, alice)).status).toBe(404);
  });

  it("shows a failed deployment's error code and message", async () => {
    tab = await browser.open(`${portal()}#/p/demo/deploy/samples/failing`);
    const { page } = tab;
    await signIn(tab, "alice");
    await page.getByRole("heading", { name: "Deploy failing" }).waitFor();
    await page.getByLabel("Environment name").fill("portal-failing");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const error = page.locator("#environment-error");
    await error.getByText("Error DeploymentError").waitFor();
    await error.getByText("This deployment fails on purpose.").waitFor();
    await page.locator('#environment-state [data-state="Failed"]').waitFor();
    await tab.screenshot("environment-failed");
  });

  it("takes a secure parameter in a masked field and shows it masked until revealed", async () => {
    tab = await browser.open(`${portal()}#/p/demo/deploy/samples/secretive`);
    const { page } = tab;
    await signIn(tab, "alice");
    await page.getByRole("heading", { name: "Deploy secretive" }).waitFor();
    expect(await page.getByLabel("Password").getAttribute("type")).toBe("password");
    expect(await page.getByLabel("Region").getAttribute("type")).toBe("text");
    await page.getByLabel("Environment name").fill("portal-secretive");
    await page.getByLabel("Password").fill("hunter2-portal");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.locator('#environment-state [data-state="Succeeded"]').waitFor();
    await page.locator('[data-parameter="region"]', { hasText: "west" }).waitFor();
    expect(await page.locator('[data-parameter="password"]').textContent()).toBe("••••••••");
    expect(await page.content()).not.toContain("hunter2-portal");
    await page.getByRole("button", { name: "Reveal password" }).click();
    await page.locator('[data-parameter="password"]', { hasText: "hunter2-portal" }).waitFor();
    await page.getByRole("button", { name: "Hide password" }).click();
    await page.locator('[data-parameter="password"]', { hasText: "••••••••" }).waitFor();

    // Redeploying keeps the value, still masked in the form.
    await page.getByRole("link", { name: /^Redeploy/ }).click();
    await page.getByRole("heading", { name: "Redeploy portal-secretive" }).waitFor();
    expect(await page.getByLabel("Password").getAttribute("type")).toBe("password");
    expect(await page.getByLabel("Password").inputValue()).toBe("hunter2-portal");
  });

  it("cancels a running deploy", async () => {
    tab = await browser.open(`${portal()}#/p/demo/deploy/samples/hanging`);
    const { page } = tab;
    await signIn(tab, "alice");
    await page.getByRole("heading", { name: "Deploy hanging" }).waitFor();
    await page.getByLabel("Environment name").fill("portal-hanging");
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.locator("pre.log").getByText("waiting forever").waitFor();
    await page.getByRole("button", { name: "Cancel the running deploy" }).click();
    const operations = page.getByRole("region", { name: "Operations" });
    await operations.locator('[data-state="Canceled"]').waitFor();
    const listed = await stack.request("GET", `${ENVIRONMENTS}/portal-hanging/operations`, alice);
    expect((listed.body.value as Json[])[0]).toMatchObject({ kind: "Deploy", status: "Canceled" });
  });

  it("shows the service's 400 at the parameter it names (the definition changed after the form loaded)", async () => {
    tab = await browser.open(`${portal()}#/p/demo/deploy/samples/choosy`);
    const { page } = tab;
    await signIn(tab, "alice");
    await page.getByRole("heading", { name: "Deploy choosy" }).waitFor();
    await page.getByLabel("Environment name").fill("portal-choosy");
    await page.getByLabel("Size").selectOption("large");

    // Meanwhile the catalog drops "large"; an admin syncs it.
    await writeFile(
      path.join(stack.dir, "catalog", "choosy", "environment.yaml"),
      choosyManifest(["small", "medium"]),
    );
    expect((await stack.request("POST", "/management/catalogs/samples:sync", admin)).status).toBe(202);
    await stack.until(
      "GET",
      "/projects/demo/catalogs/samples/environmentDefinitions/choosy",
      alice,
      (r) => JSON.stringify(r.body.parameters ?? []).includes("medium"),
      WAIT_MS,
    );

    tab.allow(/Failed to load resource: the server responded with a status of 400/);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const fieldError = page.locator("#field-parameters_size-error");
    await fieldError.getByText('Size: must be one of the allowed values: "small", "medium"').waitFor();
    expect(await page.getByLabel("Size").getAttribute("aria-invalid")).toBe("true");
    await page.getByText(/The deployment was refused: The parameters are not valid/).waitFor();
    await tab.screenshot("deploy-error");
    expect((await stack.request("GET", `${ENVIRONMENTS}/portal-choosy`, alice)).status).toBe(404);
  });

  it("shows each user their own environments; an admin sees everyone's and syncs catalogs", async () => {
    const { operationLocation } = await stack.deployStarted(alice, "alice-only", "plain");
    await stack.finished(operationLocation, alice, WAIT_MS);

    tab = await browser.open(`${portal()}#/p/demo/environments`);
    await signIn(tab, "bob");
    await tab.page.getByText("You have no environments in this project yet.").waitFor();
    expect(await tab.page.getByText("alice-only").count()).toBe(0);
    expect(await tab.page.getByText("Everyone's").count()).toBe(0);
    expect(tab.errors()).toEqual([]);
    await tab.page.close();

    tab = await browser.open(`${portal()}#/p/demo/environments`);
    const { page } = tab;
    await signIn(tab, "ops", true);
    await page.getByText("Signed in as ops (admin)").waitFor();
    await page.getByLabel("Everyone's").check();
    const list = page.getByRole("region", { name: "Environments" });
    await list.getByRole("link", { name: "alice-only" }).waitFor();
    const row = list.locator("tr", { has: page.getByRole("link", { name: "alice-only" }) });
    await row.getByText(localObjectId("alice")).waitFor();
    await tab.screenshot("environments-admin");

    // The admin opens alice's environment (another user's path) and sees it.
    await list.getByRole("link", { name: "alice-only" }).click();
    await page.getByRole("heading", { name: /^Environment alice-only/ }).waitFor();
    await page.locator('#environment-state [data-state="Succeeded"]').waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Catalogs" }).click();
    const card = page.locator('[data-catalog="samples"]');
    await card.locator('[data-state="Succeeded"]').waitFor();
    await page.getByRole("button", { name: "Sync samples now" }).click();
    await page.getByText("Sync of samples done: Succeeded.").waitFor();
    await tab.screenshot("catalogs");
  });

  it("offers a project admin from the dev center's config everyone's environments", async () => {
    const { operationLocation } = await stack.deployStarted(alice, "alice-shared", "plain");
    await stack.finished(operationLocation, alice, WAIT_MS);

    // Dana has no admin role in her token: the project's config makes her its admin.
    tab = await browser.open(`${portal()}#/p/demo/environments`);
    const { page } = tab;
    await signIn(tab, "dana");
    await page.getByText("You have no environments in this project yet.").waitFor();
    await page.getByLabel("Everyone's").check();
    const list = page.getByRole("region", { name: "Environments" });
    const row = list.locator("tr", { has: page.getByRole("link", { name: "alice-shared" }) });
    await row.getByText(localObjectId("alice")).waitFor();
    await list.getByRole("link", { name: "alice-shared" }).click();
    await page.getByRole("heading", { name: /^Environment alice-shared/ }).waitFor();
    expect(tab.errors()).toEqual([]);
  });

  it("works at phone width without sideways scrolling", async () => {
    tab = await browser.open(`${portal()}#/p/demo`, { width: 390, height: 844 });
    const { page } = tab;
    await signIn(tab, "carol");
    await page.getByRole("heading", { name: "Environment definitions of demo" }).waitFor();
    const overflow = await sidewaysOverflow(page);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: "Deploy counter" }).click();
    await page.getByRole("heading", { name: "Deploy counter" }).waitFor();
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await tab.screenshot("deploy-form-phone");
  });
});

describe("developer portal with Entra ID sign-in", () => {
  it("loads MSAL and offers the Microsoft sign-in, with no local sign-in and no call to the identity provider", async () => {
    const stack = await Stack.start({
      settings: {
        AUTH_JWKS_URI: "https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys",
        AUTH_ISSUER: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        AUTH_AUDIENCE: "api://devcenter",
        PORTAL_CLIENT_ID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        PORTAL_TENANT_ID: "contoso.onmicrosoft.com",
      },
    });
    const browser = await launchBrowser();
    try {
      // Nothing leaves loopback: a request elsewhere is refused and fails the test.
      const outside: string[] = [];
      await browser.context.route(
        (url) => url.hostname !== "127.0.0.1",
        (route) => {
          outside.push(route.request().url());
          return route.abort();
        },
      );
      const tab = await browser.open(`${stack.url}/portal/`);
      await tab.page.getByRole("button", { name: "Sign in with Microsoft" }).waitFor();
      const config = await (await fetch(`${stack.url}/portal/config.json`)).json();
      expect(config).toMatchObject({
        signIn: {
          kind: "entra",
          clientId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
          authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
          scopes: ["api://devcenter/.default"],
        },
      });
      const local = await fetch(`${stack.url}/runtime/local-auth/token`, {
        method: "POST",
        body: '{"user":"x"}',
      });
      expect(local.status).toBe(404);
      expect(outside).toEqual([]);
      expect(tab.errors()).toEqual([]);
    } finally {
      await browser.close();
      await stack.stop();
    }
  });
});
