// The retained messages browser: a topic filter, pages of 25, each message's size and a preview
// (text, or hex when the payload is not UTF-8), and a delete button (DELETE /retained/{topic}).
import { api } from "./api.js";
import { $, button, el, fill, notice, pager, row } from "./dom.js";

const state = { filter: "#", offset: 0, limit: 25, total: 0 };

/** Reloads the current page of retained messages. */
export async function refreshRetained() {
  const params = new URLSearchParams({
    topic: state.filter,
    offset: state.offset,
    limit: state.limit,
  });
  let page;
  try {
    page = await api("GET", `/retained?${params}`);
  } catch (err) {
    return notice($("#retained-message"), `Retained: ${err.message}`, "error");
  }
  state.total = page.total;
  const rows = page.data.map(retainedRow);
  fill($("#retained tbody"), rows, "No retained messages");
  pager($("#retained-pager"), state, refreshRetained);
}

function preview(m) {
  const text = m.text ?? m.hex.replace(/(..)/g, "$1 ").trim();
  return el("code", {
    class: m.text === null ? "hex" : "text",
    text: text + (m.truncated ? " …" : ""),
  });
}

function retainedRow(m) {
  const del = button("Delete", () => remove(m.topic), "danger");
  const tr = row([m.topic, `QoS ${m.qos}`, `${m.size} B`, preview(m), del]);
  tr.dataset.topic = m.topic;
  return tr;
}

async function remove(topic) {
  const message = $("#retained-message");
  try {
    await api("DELETE", `/retained/${encodeURIComponent(topic)}`);
    notice(message, `Deleted the retained message on ${topic}`, "ok");
  } catch (err) {
    notice(message, `Delete ${topic} failed: ${err.message}`, "error");
  }
  await refreshRetained();
}

/** Wires the filter form once. */
export function initRetained() {
  $("#retained-search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.filter = event.target.filter.value.trim() || "#";
    state.offset = 0;
    notice($("#retained-message"), "");
    refreshRetained();
  });
}
