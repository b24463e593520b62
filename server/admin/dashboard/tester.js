// The topic tester: connects from the browser to the broker's WebSocket listener (its address from
// /listeners), subscribes to filters, publishes with QoS and retain, and lists messages as they
// arrive (newest first, the last 200).
import { api } from "./api.js";
import { $, el, notice } from "./dom.js";
import { MqttWs } from "./mqtt_ws.js";

const KEEP = 200;
let client = null;

/** Fills the URL field from the first WebSocket listener (once, unless the user typed one). */
export async function suggestUrl() {
  const input = $("#tester-connect [name=url]");
  if (input.value) return;
  const { data } = await api("GET", "/listeners");
  const ws = data.find((l) => l.transport === "ws") ?? data.find((l) => l.transport === "wss");
  if (!ws) {
    notice(
      $("#tester-status"),
      "The broker has no WebSocket listener (add one of type ws)",
      "error",
    );
    return;
  }
  const wildcard = ["0.0.0.0", "::", ""].includes(ws.hostname);
  const host = wildcard
    ? location.hostname
    : ws.hostname.includes(":")
    ? `[${ws.hostname}]`
    : ws.hostname;
  input.value = `${ws.transport}://${host}:${ws.port}${ws.path}`;
}

function connected(on) {
  $("#tester-connect button[type=submit]").textContent = on ? "Disconnect" : "Connect";
  for (const f of ["#tester-subscribe", "#tester-publish"]) {
    for (const c of $(f).elements) c.disabled = !on;
  }
}

function show(msg) {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(msg.payload);
  const item = el(
    "li",
    {},
    el("span", { class: "topic", text: msg.topic }),
    el("span", {
      class: "meta",
      text: ` QoS ${msg.qos}${msg.retain ? " retained" : ""} · ${msg.payload.length} B`,
    }),
    el("code", { text }),
  );
  const list = $("#tester-messages");
  list.prepend(item);
  while (list.children.length > KEEP) list.lastChild.remove();
}

async function toggle(event) {
  event.preventDefault();
  const status = $("#tester-status");
  if (client) {
    client.end();
    client = null;
    connected(false);
    return notice(status, "Disconnected");
  }
  const form = event.target;
  const c = new MqttWs();
  c.onMessage = show;
  c.onClose = (why) => {
    if (client !== c) return;
    client = null;
    connected(false);
    notice(status, `Disconnected: ${why}`, "error");
  };
  notice(status, "Connecting...");
  try {
    const clientId = form.clientId.value || `dashboard-${Math.random().toString(16).slice(2, 10)}`;
    const opts = { clientId, username: form.username.value, password: form.password.value };
    client = c;
    await c.connect(form.url.value, { ...opts, keepalive: 30 });
    connected(true);
    notice(status, `Connected as ${clientId}`, "ok");
  } catch (err) {
    client = null;
    c.end();
    notice(status, `Connect failed: ${err.message}`, "error");
  }
}

async function subscribe(event) {
  event.preventDefault();
  const form = event.target;
  const filter = form.filter.value;
  try {
    const granted = await client.subscribe(filter, Number(form.qos.value));
    if (granted === 0x80) throw new Error("the broker refused it (0x80)");
    notice($("#tester-status"), `Subscribed to ${filter} (QoS ${granted})`, "ok");
  } catch (err) {
    notice($("#tester-status"), `Subscribe to ${filter} failed: ${err.message}`, "error");
  }
}

async function publish(event) {
  event.preventDefault();
  const form = event.target;
  const opts = { qos: Number(form.qos.value), retain: form.retain.checked };
  try {
    await client.publish(form.topic.value, form.payload.value, opts);
    notice($("#tester-status"), `Published to ${form.topic.value}`, "ok");
  } catch (err) {
    notice($("#tester-status"), `Publish failed: ${err.message}`, "error");
  }
}

/** Wires the tester's forms once. */
export function initTester() {
  $("#tester-connect").addEventListener("submit", toggle);
  $("#tester-subscribe").addEventListener("submit", subscribe);
  $("#tester-publish").addEventListener("submit", publish);
  $("#tester-clear").onclick = () => $("#tester-messages").replaceChildren();
  connected(false);
}

/** Closes the connection (logging out). */
export function stopTester() {
  client?.end();
  client = null;
  connected(false);
}
