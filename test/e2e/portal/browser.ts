/**
 * Debian's Chromium driven by playwright-core, for the portal's browser tests: one fresh profile per
 * run, every console error and page error recorded (the tests fail on any they did not expect), and
 * screenshots into docs/portal when PORTAL_SCREENSHOTS=1.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { REPO_ROOT } from "../../../dev/stack";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Generous: the machine is shared, and a deploy runs a real runner script. */
export const WAIT_MS = 120_000;

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  /** A new tab whose console errors are recorded. */
  open(url: string, viewport?: { width: number; height: number }): Promise<TrackedPage>;
  close(): Promise<void>;
}

export interface TrackedPage {
  page: Page;
  /** Console and page errors so far, except those `allow` was told to expect. */
  errors(): string[];
  /** Expects console errors matching `pattern` (an HTTP error the page shows in words). */
  allow(pattern: RegExp): void;
  screenshot(name: string): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), "portal-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async open(url, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.setDefaultTimeout(WAIT_MS);
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console: ${message.text()}`);
      });
      page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
      await page.goto(url);
      return {
        page,
        errors: () => errors.filter((e) => !allowed.some((pattern) => pattern.test(e))),
        allow: (pattern) => allowed.push(pattern),
        async screenshot(name) {
          if (process.env.PORTAL_SCREENSHOTS !== "1") return;
          const dir = path.join(REPO_ROOT, "docs", "portal");
          await mkdir(dir, { recursive: true });
          await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
        },
      };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on the portal's sign-in page as `user` and waits until the page says so. */
export async function signIn(tracked: TrackedPage, user: string, admin = false): Promise<void> {
  const { page } = tracked;
  await page.getByLabel("User name").fill(user);
  if (admin) await page.getByLabel("Sign in as an admin").check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`Signed in as ${user}`).waitFor();
}
