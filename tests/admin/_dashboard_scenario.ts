// The dashboard scenarios, run by dashboard_test.ts as `deno run -A` (playwright-core reads
// /proc paths that need --allow-all, more than `deno task test` grants). Exits 0 when every step
// passed; a failed assertion exits non-zero with the step's error. Also exports
// `dashboardScreenshots()` (used by the operator walk test).
import assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";
import type { MqttClient } from "mqtt";
import { connect, end, nextMessage, subscribe } from "../helpers.ts";
import { buildPackage, PASSWORD, startAdminBroker, USER } from "./helpers.ts";
import {
  launchChromium,
  logIn,
  openView,
  pageWidth,
  pngSize,
  VIEWPORTS,
  VIEWS,
  watchPage,
} from "./_browser.ts";

/**
 * Screenshots of the dashboard at `baseUrl` (the login form, then every view after logging in
 * with `creds`) at 1280x800 and at 420 px wide, written to `outDir`. Each PNG is checked (its
 * size is the viewport's, 5 KB to 5 MB), the phone pages for horizontal overflow, and the page
 * for dialogs and errors. Returns the file paths, in order.
 *
 * @example
 * ```ts ignore
 * const files = await dashboardScreenshots(admin.url, { user: "admin", password: "pw" }, dir);
 * ```
 */
export async function dashboardScreenshots(
  baseUrl: string,
  creds: { user: string; password: string },
  outDir: string,
): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const profile = await Deno.makeTempDir();
  const context = await launchChromium(profile);
  const paths: string[] = [];
  try {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      const watch = watchPage(page, /(?!)/); // no refused request expected
      await page.goto(baseUrl);
      await page.waitForSelector("#login", { state: "visible" });
      paths.push(await shoot(page, `${outDir}/${name}-login.png`, viewport));
      await logIn(page, creds);
      for (const view of VIEWS) {
        await openView(page, view);
        await page.waitForTimeout(view === "overview" ? 2200 : 500);
        paths.push(await shoot(page, `${outDir}/${name}-${view}.png`, viewport));
      }
      assert.deepEqual([watch.dialogs, watch.errors], [[], []], `${name}: dialogs or errors`);
      await page.close();
    }
  } finally {
    await context.close();
    await Deno.remove(profile, { recursive: true });
  }
  return paths;
}

/** One screenshot of the viewport, checked: PNG of the viewport's size, no horizontal overflow. */
async function shoot(
  page: Page,
  path: string,
  viewport: { width: number; height: number },
): Promise<string> {
  const scroll = await pageWidth(page);
  assert.ok(scroll <= viewport.width, `${path}: page is ${scroll} px wide in ${viewport.width}`);
  await page.screenshot({ path });
  const bytes = await Deno.readFile(path);
  assert.deepEqual(pngSize(bytes), viewport, `${path}: size`);
  assert.ok(bytes.length > 5_000 && bytes.length < 5_000_000, `${path}: ${bytes.length} bytes`);
  return path;
}

/** What the steps share: the page, the broker, an MQTT client watching, the package. */
interface Scene {
  page: Page;
  broker: Awaited<ReturnType<typeof startAdminBroker>>;
  watcher: MqttClient;
  /** Messages of the dialogs the page opened (each accepted). */
  dialogs: string[];
  /** The package file to install. */
  pkg: string;
  /** The plugin's row in the plugins table. */
  row: Locator;
}

/** 1. Log in with the configured user (a wrong password first). */
async function firstLogIn({ page }: Scene): Promise<void> {
  await page.fill("#login [name=username]", USER);
  await page.fill("#login [name=password]", "wrong");
  await page.click("#login button[type=submit]");
  await page.waitForSelector("text=Wrong user or password");
  assert.equal(await page.locator("#app").isVisible(), false);
  await logIn(page, { user: USER, password: PASSWORD });
}

/** 2. Live view: the connected MQTT client shows up (polled every second). */
async function liveView({ page }: Scene): Promise<void> {
  await page.waitForSelector("#stat-clients >> text=1");
  await openView(page, "clients");
  await page.waitForSelector("#clients >> text=watcher");
  await openView(page, "plugins");
  await page.waitForSelector("#plugins >> text=No plugins");
}

/** 3. Install from a file: the grant form lists the permissions; granted as declared. */
async function install({ page, pkg, dialogs, row }: Scene): Promise<void> {
  await page.setInputFiles("#install [name=file]", pkg);
  await page.click("#install button[type=submit]");
  await page.waitForSelector("#grant-section", { state: "visible" });
  assert.equal(await page.textContent("#grant-plugin"), "prefixer 1.0.0");
  const declared = page.locator('.grant-row[data-permission="env"] .declared');
  assert.equal(await declared.textContent(), "declared: PREFIXER_DEBUG");
  await page.click("#grant-form button[type=submit]");
  await page.waitForSelector("#install-message >> text=Installed prefixer");
  assert.equal(dialogs.length, 0);
  await row.locator("text=stopped").waitFor();
  assert.equal(await row.locator("td.granted").textContent(), "env: PREFIXER_DEBUG");
}

/** 4. Config form from the Avro schema with $ui hints and i18n labels. */
async function configForm({ page, row }: Scene): Promise<void> {
  await row.locator("button", { hasText: "Config" }).click();
  await page.waitForSelector("#config-section:not([hidden])");
  assert.equal(await page.textContent('.field[data-path="prefix"] label'), "Topic prefix *");
  assert.equal(await page.getAttribute('[name="token"]', "type"), "password");
  assert.equal(await page.locator('[name="mode"]').evaluate((e) => e.tagName), "SELECT");
  assert.equal(await page.getAttribute('[name="verbose"]', "type"), "checkbox");
  assert.equal(await page.getAttribute('[name="max_len"]', "type"), "number");
  await page.waitForSelector('fieldset[data-path="limits"] [name="limits.rate"]');
}

/** 5. A bad value: the API's 400 error appears at that field; 6. fixed: saved, error gone. */
async function badThenFixedConfig({ page }: Scene): Promise<void> {
  await page.fill('[name="prefix"]', "Bad Prefix");
  await page.click("#config-form button[type=submit]");
  const error = page.locator('.field[data-path="prefix"] .field-error');
  await error.locator("text=lower case letters").waitFor();
  assert.ok(await page.locator('.field[data-path="prefix"].invalid').count() === 1);
  await page.fill('[name="prefix"]', "dash/");
  await page.click("#config-form button[type=submit]");
  await page.waitForSelector("#config-message >> text=Saved (version 1)");
  assert.equal(await error.textContent(), "");
}

/**
 * 7. Start: the plugin rewrites topics an MQTT client sees; 8. the message rate reflects the
 * traffic; 9. stop: topics pass unchanged again.
 */
async function startObserveStop({ page, broker, watcher, row }: Scene): Promise<void> {
  await row.locator("button", { hasText: "Start" }).click();
  await row.locator("text=running").waitFor();
  await row.locator("text=ok (prefix dash/)").waitFor();
  await subscribe(watcher, "#");
  const pub = await connect(broker.url, { clientId: "publisher" });
  let got = nextMessage(watcher);
  await pub.publishAsync("t/1", "hello");
  assert.equal((await got).topic, "dash/t/1");
  await page.waitForFunction("Number(document.querySelector('#stat-clients')?.textContent) === 2");
  for (let i = 0; i < 20; i++) await pub.publishAsync("load", "x");
  await page.waitForFunction("Number(document.querySelector('#stat-in-rate')?.textContent) > 0");
  await openView(page, "overview");
  await page.locator("#latency-chart", { hasText: "prefixer message.publish" }).waitFor();
  await page.waitForSelector("#latency-chart rect.bar-p50");
  await openView(page, "plugins");
  await row.locator("button", { hasText: "Stop" }).click();
  await row.locator("text=stopped").waitFor();
  got = nextMessage(watcher);
  await pub.publishAsync("t/2", "hello");
  assert.equal((await got).topic, "t/2");
  await end(pub);
}

/** 10. Uninstall after a second click (no native dialog). */
async function uninstall({ page, dialogs, row }: Scene): Promise<void> {
  await row.locator("button", { hasText: "Uninstall" }).click();
  await row.locator("button", { hasText: "Really uninstall prefixer?" }).click();
  await page.waitForSelector("#plugins >> text=No plugins");
  assert.deepEqual(dialogs, []);
}

/** The scenario, step by step. */
const STEPS = [
  firstLogIn,
  liveView,
  install,
  configForm,
  badThenFixedConfig,
  startObserveStop,
  uninstall,
];

/** Install, bad config at the field, fix, start, observe over MQTT, stop, uninstall. */
export async function dashboardScenario(): Promise<void> {
  const dir = await Deno.makeTempDir();
  const pkg = await buildPackage(dir);
  const broker = await startAdminBroker(`${dir}/data`);
  const context = await launchChromium(dir);
  const watcher = await connect(broker.url, { clientId: "watcher" });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const watch = watchPage(page, /status of (40[0134])/); // bad config, GRANT_REQUIRED, ...
    const dialogs = watch.dialogs;
    await page.goto(broker.api);
    const row = page.locator('#plugins tr[data-alias="prefixer"]');
    const scene = { page, broker, watcher, dialogs, pkg, row };
    for (const step of STEPS) await step(scene);
    assert.deepEqual(watch.errors, []);
  } finally {
    await end(watcher);
    await context.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  await dashboardScenario();
  console.log("dashboard scenario passed");
  Deno.exit(0);
}
