// What the browser scenarios share: launching headless Chromium (playwright-core), watching a
// page for dialogs and errors, logging in, opening a view, and reading sizes and colors.
import assert from "node:assert/strict";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

/** Where the Debian package puts Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The desktop and phone viewports every screenshot is taken at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 420, height: 860 },
} as const;

/** Dashboard views, as named by their nav buttons' `data-view`. */
export const VIEWS = ["overview", "clients", "retained", "tester", "plugins"] as const;

/** A headless Chromium with its own profile under `dir`. */
export function launchChromium(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(`${dir}/profile`, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORTS.desktop,
  });
}

/** What a page did that a test must see: dialogs (accepted), uncaught errors, console errors. */
export interface PageWatch {
  dialogs: string[];
  errors: string[];
}

/**
 * Records `page`'s dialogs, uncaught errors and console errors. A refused request the test
 * caused on purpose (401 for a wrong password, 400 for a bad filter) is logged by Chromium as "Failed to
 * load resource"; those are left out only when `expected` matches their status.
 */
export function watchPage(page: Page, expected = /status of (400|401)/): PageWatch {
  const watch: PageWatch = { dialogs: [], errors: [] };
  page.on("dialog", (d) => {
    watch.dialogs.push(d.message());
    void d.accept();
  });
  page.on("pageerror", (e) => watch.errors.push(`uncaught: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/Failed to load resource/.test(m.text()) && expected.test(m.text())) return;
    watch.errors.push(`console: ${m.text()}`);
  });
  return watch;
}

/** Logs in and checks that the login card is gone and the app shows. */
export async function logIn(page: Page, creds: { user: string; password: string }): Promise<void> {
  await page.fill("#login [name=username]", creds.user);
  await page.fill("#login [name=password]", creds.password);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#app", { state: "visible" });
  assert.equal(await page.locator("#login").boundingBox(), null, "login card still shown");
  assert.equal(await page.locator("#login").isVisible(), false);
}

/** Opens a view from the nav and waits until it shows. */
export async function openView(page: Page, view: string): Promise<void> {
  await page.click(`#nav button[data-view="${view}"]`);
  await page.waitForSelector(`#view-${view}`, { state: "visible" });
}

/** The page's scroll width (wider than the viewport: it scrolls sideways). */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate<number>("document.scrollingElement.scrollWidth");
}

/** The computed text color of the element `locator` finds. */
export function colorOf(locator: Locator): Promise<string> {
  type Styles = { getComputedStyle(e: unknown): { color: string } };
  return locator.evaluate((e) => (globalThis as unknown as Styles).getComputedStyle(e).color);
}

/** Width and height of a PNG file, from its IHDR chunk; throws when it is not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.ok(sig.every((b, i) => bytes[i] === b), "not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
