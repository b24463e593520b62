// The grant form in real headless Chromium, run by dashboard_grant_test.ts as `deno run -A
// <outDir>` (playwright-core needs more than the test permissions). A package declaring
// `net: true` is uploaded, the server's GRANT_REQUIRED opens the form; a refused grant shows the
// server's message in red, a malformed entry is stopped at its field, a narrowed grant installs
// exactly that (checked over REST); a hostile declared value renders as text. Screenshots at
// 1280x800 and 420 px go to outDir. Exits 0 when every step passed.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { PACKAGE_DIR } from "./helpers.ts";
import { api } from "./helpers.ts";
import { type DashboardBroker, startDashboardBroker } from "./_dashboard_broker.ts";
import {
  colorOf,
  launchChromium,
  logIn,
  openView,
  pageWidth,
  VIEWPORTS,
  watchPage,
} from "./_browser.ts";
import { PASSWORD, USER } from "./helpers.ts";

/** The red of `.status.error` and `.field-error` (style.css). */
const RED = "rgb(179, 38, 30)";
const XSS = "<img src=x onerror=window.__xss=1>";

/** Builds the prefixer package with `permissions` replaced, as `<dir>/prefixer-1.0.0.tar.gz`. */
async function packageDeclaring(dir: string, permissions: unknown): Promise<string> {
  const stage = `${dir}/prefixer-1.0.0`;
  await Deno.mkdir(stage, { recursive: true });
  for await (const e of Deno.readDir(PACKAGE_DIR)) {
    await Deno.copyFile(`${PACKAGE_DIR}${e.name}`, `${stage}/${e.name}`);
  }
  const js = await Deno.readTextFile(`${stage}/plugin.js`);
  const declared = `permissions: ${JSON.stringify(permissions)}`;
  const patched = js.replace(`permissions: { env: ["PREFIXER_DEBUG"] }`, declared);
  assert.notEqual(patched, js, "fixture plugin.js no longer declares its permissions as expected");
  await Deno.writeTextFile(`${stage}/plugin.js`, patched);
  const out = `${dir}/prefixer-1.0.0.tar.gz`;
  const tar = await new Deno.Command("tar", { args: ["-czf", out, "-C", dir, "prefixer-1.0.0"] })
    .output();
  assert.equal(tar.code, 0, new TextDecoder().decode(tar.stderr));
  return out;
}

/** Uploads `pkg` (under `alias`) and waits for the grant form. */
async function upload(page: Page, pkg: string, alias: string): Promise<void> {
  await page.setInputFiles("#install [name=file]", pkg);
  await page.fill("#install [name=alias]", alias);
  await page.click("#install button[type=submit]");
  await page.waitForSelector("#grant-section", { state: "visible" });
}

/** One screenshot; the page must not scroll sideways. */
async function shoot(page: Page, path: string, width: number): Promise<void> {
  const scroll = await pageWidth(page);
  assert.ok(scroll <= width, `${path}: page is ${scroll} px wide in ${width}`);
  await page.screenshot({ path, fullPage: true });
}

/** A hostile declared value is shown as text; Cancel installs nothing. */
async function hostileValue(page: Page, pkg: string, b: DashboardBroker, out: string) {
  await upload(page, pkg, "hostile");
  const declared = page.locator('.grant-row[data-permission="env"] .declared');
  assert.equal(await declared.textContent(), `declared: ${XSS}`);
  assert.equal(await page.locator("#grant-section img").count(), 0);
  assert.equal(await page.evaluate("window.__xss"), undefined);
  await shoot(page, `${out}/desktop-grant-hostile.png`, VIEWPORTS.desktop.width);
  await page.click("#grant-cancel");
  await page.waitForSelector("#install-message >> text=Not installed: no grant given");
  assert.equal(await colorOf(page.locator("#install-message")), RED);
  assert.deepEqual((await api(b.api, "GET", "/plugins")).body.data, []);
}

/** Nothing granted: the server refuses (403 GRANT_REQUIRED) and its message shows in red. */
async function serverRefusal(page: Page) {
  await page.selectOption("#grant-net-choice", "none");
  await page.click("#grant-form button[type=submit]");
  const error = page.locator("#grant-error");
  await error.locator('text=/Refused \\(403 GRANT_REQUIRED\\): Plugin "narrow" needs net/')
    .waitFor();
  assert.equal(await colorOf(error), RED);
}

/** `net=::::` is stopped at its field in red (the API's own rules) and nothing is sent. */
async function malformedEntry(page: Page, b: DashboardBroker) {
  await page.selectOption("#grant-net-choice", "list");
  await page.fill("#grant-net-list", "::::");
  await page.click("#grant-form button[type=submit]");
  const field = page.locator('.grant-row[data-permission="net"]');
  await field.locator('text=net entry "::::" is not host or host:port').waitFor();
  assert.equal(await colorOf(field.locator(".field-error")), RED);
  assert.equal(await field.evaluate((e) => e.classList.contains("invalid")), true);
  assert.match(await page.textContent("#grant-error") ?? "", /Not sent/);
  assert.deepEqual((await api(b.api, "GET", "/plugins")).body.data, []);
}

/** Narrowed to one host:port: installed with exactly that, shown in the table and over REST. */
async function narrowed(page: Page, b: DashboardBroker, alias: string, entry: string) {
  await page.selectOption("#grant-net-choice", "list");
  await page.fill("#grant-net-list", entry);
  await page.click("#grant-form button[type=submit]");
  await page.waitForSelector(`#install-message >> text=Installed ${alias}`);
  assert.equal(await page.locator("#grant-section").isVisible(), false);
  const cell = page.locator(`#plugins tr[data-alias="${alias}"] td.granted`);
  await cell.waitFor();
  assert.equal(await cell.textContent(), `net: ${entry}; env: PREFIXER_DEBUG`);
  const view = await api(b.api, "GET", `/plugins/${alias}`);
  assert.equal(view.status, 200);
  assert.deepEqual(view.body.granted, { net: [entry], env: ["PREFIXER_DEBUG"] });
}

/** The whole scenario; screenshots into `out`. */
export async function grantScenario(out: string): Promise<void> {
  const dir = await Deno.makeTempDir();
  const b = await startDashboardBroker(`${dir}/data`);
  const context = await launchChromium(dir);
  try {
    const hostile = await packageDeclaring(`${dir}/hostile`, { env: [XSS] });
    const pkg = await packageDeclaring(`${dir}/net`, { net: true, env: ["PREFIXER_DEBUG"] });
    const entry = `127.0.0.1:${b.listeners.get("default")!.port}`;
    const page = context.pages()[0] ?? await context.newPage();
    const watch = watchPage(page, /status of 403/); // the refusal caused on purpose
    await page.goto(b.api);
    await logIn(page, { user: USER, password: PASSWORD });
    await openView(page, "plugins");
    await hostileValue(page, hostile, b, out);
    await upload(page, pkg, "narrow");
    assert.equal(await page.textContent("#grant-plugin"), "prefixer 1.0.0");
    const declared = await page.locator(".grant-row .declared").allTextContents();
    assert.deepEqual(declared, ["declared: all", "declared: PREFIXER_DEBUG"]);
    await serverRefusal(page);
    await malformedEntry(page, b);
    await shoot(page, `${out}/desktop-grant-errors.png`, VIEWPORTS.desktop.width);
    await narrowed(page, b, "narrow", entry);
    await shoot(page, `${out}/desktop-grant-installed.png`, VIEWPORTS.desktop.width);
    await page.setViewportSize(VIEWPORTS.phone);
    await upload(page, pkg, "phone");
    await page.selectOption("#grant-net-choice", "list");
    await shoot(page, `${out}/phone-grant-form.png`, VIEWPORTS.phone.width);
    await narrowed(page, b, "phone", entry);
    await shoot(page, `${out}/phone-grant-installed.png`, VIEWPORTS.phone.width);
    assert.deepEqual([watch.dialogs, watch.errors], [[], []]);
  } finally {
    await context.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  await grantScenario(Deno.args[0]);
  console.log("dashboard grant scenario passed");
  Deno.exit(0);
}
