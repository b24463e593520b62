// The dashboard scenario, run by dashboard_test.ts as `deno run -A` (playwright-core reads
// /proc paths that need --allow-all, more than `deno task test` grants). Exits 0 when every step
// passed; a failed assertion exits non-zero with the step's error.
import assert from "node:assert/strict";
import { chromium, type Locator, type Page } from "playwright-core";
import type { MqttClient } from "mqtt";
import { connect, end, nextMessage, subscribe } from "../helpers.ts";
import { buildPackage, PASSWORD, startAdminBroker, USER } from "./helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

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
async function logIn({ page }: Scene): Promise<void> {
  await page.fill("#login [name=username]", USER);
  await page.fill("#login [name=password]", "wrong");
  await page.click("#login button[type=submit]");
  await page.waitForSelector("text=Wrong user or password");
  await page.fill("#login [name=password]", PASSWORD);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#plugins >> text=No plugins");
}

/** 2. Live view: the connected MQTT client shows up (polled every second). */
async function liveView({ page }: Scene): Promise<void> {
  await page.waitForSelector("#clients >> text=watcher");
  assert.equal(await page.textContent("#stat-clients"), "1");
}

/** 3. Install from a file: a confirm dialog lists the permissions; accepted. */
async function install({ page, pkg, dialogs, row }: Scene): Promise<void> {
  await page.setInputFiles("#install [name=file]", pkg);
  await page.click("#install button[type=submit]");
  await page.waitForSelector("#install-message >> text=Installed prefixer");
  assert.equal(dialogs.length, 1);
  assert.match(dialogs[0], /prefixer 1\.0\.0 asks for these permissions/);
  assert.match(dialogs[0], /env: \["PREFIXER_DEBUG"\]/);
  await row.locator("text=stopped").waitFor();
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
  await page.waitForSelector("#clients >> text=publisher");
  for (let i = 0; i < 20; i++) await pub.publishAsync("load", "x");
  await page.waitForFunction("Number(document.querySelector('#stat-in-rate')?.textContent) > 0");
  await row.locator("button", { hasText: "Stop" }).click();
  await row.locator("text=stopped").waitFor();
  got = nextMessage(watcher);
  await pub.publishAsync("t/2", "hello");
  assert.equal((await got).topic, "t/2");
  await end(pub);
}

/** 10. Uninstall after a confirm. */
async function uninstall({ page, dialogs, row }: Scene): Promise<void> {
  await row.locator("button", { hasText: "Uninstall" }).click();
  await page.waitForSelector("#plugins >> text=No plugins");
  assert.match(dialogs.at(-1)!, /Uninstall prefixer\?/);
}

/** The scenario, step by step. */
const STEPS = [
  logIn,
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
  const context = await chromium.launchPersistentContext(`${dir}/profile`, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const watcher = await connect(broker.url, { clientId: "watcher" });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.goto(broker.api);
    const row = page.locator('#plugins tr[data-alias="prefixer"]');
    const scene = { page, broker, watcher, dialogs, pkg, row };
    for (const step of STEPS) await step(scene);
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
