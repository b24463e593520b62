// The clients view: search (client id, user, address), pages of 25, a kick button per client
// (DELETE /clients/{id}: MQTT 5 DISCONNECT 0x98) and each client's subscriptions on demand.
import { api } from "./api.js";
import { $, button, el, fill, notice, pager, row } from "./dom.js";

const PROTOCOLS = { 3: "3.1", 4: "3.1.1", 5: "5" };
const state = { q: "", offset: 0, limit: 25, total: 0, open: null };

/** Reloads the current page of clients. */
export async function refreshClients() {
  const params = new URLSearchParams({ q: state.q, offset: state.offset, limit: state.limit });
  let page;
  try {
    page = await api("GET", `/clients?${params}`);
  } catch (err) {
    return notice($("#clients-message"), `Clients: ${err.message}`, "error");
  }
  state.total = page.total;
  const rows = page.data.map(clientRow);
  fill($("#clients tbody"), rows, state.q ? "No client matches" : "No clients");
  pager($("#clients-pager"), state, refreshClients);
  if (state.open) await showSubscriptions(state.open, false);
}

function clientRow(c) {
  const actions = el(
    "td",
    { class: "actions" },
    button("Subscriptions", () => showSubscriptions(c.clientId, true)),
    button("Kick", () => kick(c.clientId), "danger"),
  );
  const tr = row([
    c.clientId,
    c.username ?? "",
    c.remoteAddr,
    `MQTT ${PROTOCOLS[c.protocolVersion] ?? c.protocolVersion}`,
    String(c.subscriptions),
  ]);
  tr.dataset.clientId = c.clientId;
  tr.append(actions);
  return tr;
}

async function kick(id) {
  const message = $("#clients-message");
  if (state.open === id) closeDetail();
  try {
    await api("DELETE", `/clients/${encodeURIComponent(id)}`);
    notice(message, `Disconnected ${id}`, "ok");
  } catch (err) {
    notice(message, `Kick ${id} failed: ${err.message}`, "error");
  }
  await refreshClients();
}

async function showSubscriptions(id, report) {
  const box = $("#client-detail");
  let client;
  try {
    client = await api("GET", `/clients/${encodeURIComponent(id)}`);
  } catch (err) {
    state.open = null;
    box.hidden = true;
    if (report) notice($("#clients-message"), `Client ${id}: ${err.message}`, "error");
    return;
  }
  state.open = id;
  $("#client-detail-id").textContent = id;
  const rows = client.subscriptionList.map((s) => row([s.topic, `QoS ${s.qos}`]));
  fill($("#client-subs tbody"), rows, "No subscriptions");
  box.hidden = false;
}

function closeDetail() {
  state.open = null;
  $("#client-detail").hidden = true;
}

/** Wires the search form once. */
export function initClients() {
  $("#clients-search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = event.target.q.value;
    state.offset = 0;
    refreshClients();
  });
  $("#client-detail-close").onclick = closeDetail;
}
