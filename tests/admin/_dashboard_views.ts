// Dashboard v2 in real headless Chromium, observed by real MQTT.js clients: login gate, clients
// (search, subscriptions, kick), retained browser (filter, preview, delete), topic tester over
// the WebSocket listener (both directions), live charts, failures in red, a 401 back to login,
// hostile names rendered as text, a 420 px phone without horizontal overflow, and the
// screenshots. Run by dashboard_views_test.ts as `deno run -A _dashboard_views.ts <outDir>`.
import assert from "node:assert/strict";
import type { IDisconnectPacket, MqttClient } from "mqtt";
import type { Page } from "playwright-core";
import { connect, end, nextMessage, waitFor } from "../helpers.ts";
import { type DashboardBroker, startDashboardBroker } from "./_dashboard_broker.ts";
import {
  colorOf,
  launchChromium,
  logIn,
  openView,
  type PageWatch,
  pageWidth,
  VIEWS,
  watchPage,
} from "./_browser.ts";
import { dashboardScreenshots } from "./_dashboard_scenario.ts";
import { api, PASSWORD, USER } from "./helpers.ts";

const XSS_ID = "<img src=x onerror=alert(1)>";
const XSS_TOPIC = "dash/<img src=x onerror=alert(2)>";
const XSS_PAYLOAD = "<script>alert(3)</script><img src=x onerror=alert(4)>";
const RED = "rgb(179, 38, 30)";

interface Scene {
  page: Page;
  watch: PageWatch;
  b: DashboardBroker;
  /** API calls the page made, as `METHOD path status`. */
  calls: string[];
}

/** 1. Before login only the login form shows and nothing is fetched; a wrong password is red. */
async function loginGate({ page, calls }: Scene): Promise<void> {
  await page.waitForSelector("#login", { state: "visible" });
  for (const hidden of ["#app", "#nav", "#logout"]) {
    assert.equal(await page.locator(hidden).isVisible(), false, `${hidden} shown before login`);
  }
  await page.waitForTimeout(1500);
  assert.deepEqual(calls, [], "fetched before login");
  await page.fill("#login [name=username]", USER);
  await page.fill("#login [name=password]", "wrong");
  await page.click("#login button[type=submit]");
  const error = page.locator("#login-error", { hasText: "Wrong user or password" });
  await error.waitFor();
  assert.equal(await colorOf(error), RED);
  await logIn(page, { user: USER, password: PASSWORD });
  await page.reload(); // the tab keeps its login: one probe, then the app
  await page.waitForSelector("#app", { state: "visible" });
  assert.equal(await page.locator("#login").isVisible(), false);
}

/** 2. Clients: search, one client's subscriptions, kick (MQTT.js sees DISCONNECT 0x98). */
async function clients({ page, b }: Scene, hostile: MqttClient): Promise<void> {
  const target = await connect(b.url, { clientId: "kick-target", protocolVersion: 5 });
  await target.subscribeAsync({ "plant/+/temp": { qos: 1 } });
  let reason: number | undefined;
  target.on("disconnect", (p: IDisconnectPacket) => (reason = p.reasonCode));
  await openView(page, "clients");
  await page.locator("#clients td", { hasText: XSS_ID }).waitFor();
  assert.equal(await page.locator("#clients img").count(), 0);
  await page.fill("#clients-search [name=q]", "KICK");
  await page.click("#clients-search button[type=submit]");
  await page.waitForFunction('document.querySelectorAll("#clients tbody tr").length === 1');
  const row = page.locator('#clients tr[data-client-id="kick-target"]');
  await row.locator("button", { hasText: "Subscriptions" }).click();
  await page.locator("#client-subs td", { hasText: "plant/+/temp" }).waitFor();
  await row.locator("button", { hasText: "Kick" }).click();
  await page.locator("#clients-message.ok", { hasText: "Disconnected kick-target" }).waitFor();
  await waitFor(() => reason === 0x98, "MQTT.js got DISCONNECT 0x98");
  await page.locator("#clients td", { hasText: "No client matches" }).waitFor();
  await end(target, true);
  assert.equal(hostile.connected, true);
}

/** 3. Retained browser: filter, text and hex previews, hostile topic and payload as text, delete. */
async function retained({ page, b }: Scene, pub: MqttClient): Promise<void> {
  await pub.publishAsync("dash/r1", "hello retained", { retain: true, qos: 1 });
  await pub.publishAsync("dash/bin", new Uint8Array([0xde, 0xad, 0xbe, 0xef]) as never, {
    retain: true,
  });
  await pub.publishAsync(XSS_TOPIC, XSS_PAYLOAD, { retain: true, qos: 1 });
  await openView(page, "retained");
  await page.fill("#retained-search [name=filter]", "a/#/b");
  await page.click("#retained-search button[type=submit]");
  const bad = page.locator("#retained-message.error", { hasText: "not a valid MQTT filter" });
  await bad.waitFor();
  assert.equal(await colorOf(bad), RED);
  await page.fill("#retained-search [name=filter]", "dash/#");
  await page.click("#retained-search button[type=submit]");
  await page.locator('#retained tr[data-topic="dash/r1"] code', { hasText: "hello retained" })
    .waitFor();
  await page.locator('#retained tr[data-topic="dash/bin"] code.hex', { hasText: "de ad be ef" })
    .waitFor();
  await page.locator("#retained td", { hasText: XSS_TOPIC }).waitFor();
  await page.locator("#retained code", { hasText: XSS_PAYLOAD }).waitFor();
  assert.equal(await page.locator("#retained img, #retained script").count(), 0);
  await page.locator('#retained tr[data-topic="dash/r1"] button', { hasText: "Delete" }).click();
  await page.locator("#retained-message.ok", { hasText: "Deleted" }).waitFor();
  await page.locator('#retained tr[data-topic="dash/r1"]').waitFor({ state: "detached" });
  const left = await api(b.api, "GET", "/retained?topic=dash/%23");
  assert.deepEqual((left.body.data as { topic: string }[]).map((m) => m.topic).sort(), [
    XSS_TOPIC,
    "dash/bin",
  ]);
}

/** 4. Topic tester: connect over ws, receive from MQTT.js, publish to MQTT.js. */
async function tester({ page, b }: Scene, pub: MqttClient): Promise<void> {
  await openView(page, "tester");
  const url = page.locator("#tester-connect [name=url]");
  await page.waitForFunction('document.querySelector("#tester-connect [name=url]").value !== ""');
  assert.equal(await url.inputValue(), b.ws);
  await page.fill("#tester-connect [name=clientId]", "browser-tester");
  await page.click("#tester-connect button[type=submit]");
  await page.locator("#tester-status.ok", { hasText: "Connected as browser-tester" }).waitFor();
  await page.fill("#tester-subscribe [name=filter]", "tester/#");
  await page.selectOption("#tester-subscribe [name=qos]", "1");
  await page.click("#tester-subscribe button[type=submit]");
  await page.locator("#tester-status.ok", { hasText: "Subscribed to tester/# (QoS 1)" }).waitFor();
  await pub.publishAsync("tester/in", XSS_PAYLOAD, { qos: 1 });
  await page.locator("#tester-messages li", { hasText: "tester/in" }).waitFor();
  await page.locator("#tester-messages code", { hasText: XSS_PAYLOAD }).waitFor();
  assert.equal(await page.locator("#tester-messages img").count(), 0);
  await pub.subscribeAsync("out/#", { qos: 1 });
  const got = nextMessage(pub);
  await page.fill("#tester-publish [name=topic]", "out/browser");
  await page.fill("#tester-publish [name=payload]", "from the browser");
  await page.selectOption("#tester-publish [name=qos]", "2");
  await page.click("#tester-publish button[type=submit]");
  const msg = await got;
  assert.deepEqual([msg.topic, msg.payload], ["out/browser", "from the browser"]);
  await page.locator("#tester-status.ok", { hasText: "Published to out/browser" }).waitFor();
  await page.click("#tester-connect button[type=submit]");
  await waitFor(() => !b.broker.clients.has("browser-tester"), "the tester disconnected");
}

/** 5. Overview: the rates chart draws the traffic; this node alone is the one cluster row. */
async function overview({ page }: Scene, pub: MqttClient): Promise<void> {
  await openView(page, "overview");
  for (let i = 0; i < 30; i++) await pub.publishAsync("load", "x");
  await page.waitForSelector("#rates-chart polyline");
  await page.waitForFunction('Number(document.querySelector("#stat-in-rate").textContent) > 0');
  await page.locator("#latency-chart", { hasText: "No hook calls yet" }).waitFor();
  await page.locator("#cluster-nodes td", { hasText: "this node" }).waitFor();
}

/** 6. Credentials that stop working (401 on a poll) return to the login form, in red. */
async function expiredLogin({ page }: Scene): Promise<void> {
  await page.evaluate('sessionStorage.setItem("aviary-auth", "Basic " + btoa("admin:nope"))');
  await page.waitForSelector("#login", { state: "visible" });
  assert.equal(await page.locator("#app").isVisible(), false);
  const msg = page.locator("#login-error.error", { hasText: "log in again" });
  await msg.waitFor();
}

/** 7. At 420 px every view fits the width (no horizontal scrolling). */
async function phone({ page }: Scene): Promise<void> {
  await page.setViewportSize({ width: 420, height: 860 });
  await logIn(page, { user: USER, password: PASSWORD });
  for (const view of VIEWS) {
    await openView(page, view);
    await page.waitForTimeout(300);
    const width = await pageWidth(page);
    assert.ok(width <= 420, `${view} is ${width} px wide at 420`);
  }
}

/** Every step on one page, then the screenshots of every view at both sizes into `outDir`. */
export async function dashboardViews(outDir: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  const b = await startDashboardBroker(`${dir}/data`);
  const context = await launchChromium(dir);
  const hostile = await connect(b.url, { clientId: XSS_ID });
  const pub = await connect(b.url, { clientId: "mqttjs-peer" });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const watch = watchPage(page);
    const calls: string[] = [];
    page.on("response", (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith("/api/")) {
        calls.push(`${r.request().method()} ${url.pathname} ${r.status()}`);
      }
    });
    await page.goto(b.api);
    const scene = { page, watch, b, calls };
    await loginGate(scene);
    await clients(scene, hostile);
    await retained(scene, pub);
    await tester(scene, pub);
    await overview(scene, pub);
    await expiredLogin(scene);
    await phone(scene);
    assert.deepEqual(watch.dialogs, [], "a dialog opened (script ran?)");
    assert.deepEqual(watch.errors, []);
    return await dashboardScreenshots(b.api, { user: USER, password: PASSWORD }, outDir);
  } finally {
    await Promise.all([end(hostile, true), end(pub, true)]);
    await context.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const files = await dashboardViews(Deno.args[0] ?? await Deno.makeTempDir());
  console.log(JSON.stringify({ screenshots: files }));
  console.log("dashboard views passed");
  Deno.exit(0);
}
