// The overview: gauges and message rates (polled from /stats every second), a chart of the rates,
// per plugin hook latency (from /plugins), and the cluster's nodes (a node alone shows itself).
import { api } from "./api.js";
import { barChart, lineChart } from "./chart.js";
import { $, fill, row } from "./dom.js";

const POINTS = 60;
const history = { in: [], out: [] };
let last = null;

const push = (list, v) => {
  list.push(v);
  if (list.length > POINTS) list.shift();
};

/** Forgets the samples (after logging out). */
export function resetOverview() {
  last = null;
  seen.clear();
  history.in.length = history.out.length = 0;
}

/** Reads /stats, updates the gauges, the rates and the rates chart. */
export async function pollStats() {
  const stats = await api("GET", "/stats");
  $("#stat-clients").textContent = stats.clients;
  $("#stat-subscriptions").textContent = stats.subscriptions;
  $("#stat-retained").textContent = stats.retained;
  if (last) {
    const dt = (stats.at - last.at) / 1000 || 1;
    const rateIn = Math.max(0, (stats.messagesReceived - last.messagesReceived) / dt);
    const rateOut = Math.max(0, (stats.messagesSent - last.messagesSent) / dt);
    $("#stat-in-rate").textContent = rateIn.toFixed(1);
    $("#stat-out-rate").textContent = rateOut.toFixed(1);
    push(history.in, rateIn);
    push(history.out, rateOut);
  }
  last = stats;
  lineChart($("#rates-chart"), [
    { name: "in/s", color: "#1a73e8", values: history.in },
    { name: "out/s", color: "#e37400", values: history.out },
  ], POINTS);
  return stats;
}

/** Histogram counts seen at the previous reading, by "alias hook". */
const seen = new Map();

/** The upper bound of the bucket holding quantile `q` of `counts` (the max for the last one). */
function percentile(bounds, counts, q, max) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let at = 0;
  for (let i = 0; i < counts.length; i++) {
    at += counts[i];
    if (at >= Math.max(1, Math.ceil(q * total))) {
      return i < bounds.length ? Math.min(bounds[i], max) : max;
    }
  }
  return max;
}

/**
 * Draws p50/p99 per plugin and hook from the plugin list's histograms: of the calls since the
 * previous reading when there were any, else of every call so far.
 */
export function showLatency(plugins) {
  const rows = plugins.flatMap((p) =>
    Object.entries(p.metrics?.hooks ?? {}).filter(([, m]) => m.calls > 0).map(([hook, m]) => {
      const key = `${p.alias} ${hook}`;
      const { bounds, counts } = m.histogram ?? { bounds: [], counts: [] };
      const before = seen.get(key);
      seen.set(key, counts);
      const recent = before ? counts.map((c, i) => c - (before[i] ?? 0)) : [];
      const use = recent.some((c) => c > 0) ? recent : counts;
      const pick = (q) => percentile(bounds, use, q, m.max) ?? (q < 0.9 ? m.p50 : m.p99);
      return { label: key, p50: pick(0.5), p99: pick(0.99) };
    })
  );
  barChart($("#latency-chart"), rows);
}

/** Reads /cluster and fills the nodes table; alone, this node is the one row. */
export async function pollCluster(stats) {
  const cluster = await api("GET", "/cluster");
  const self = $("#cluster-self");
  if (!cluster.enabled) {
    self.textContent = "(this node runs alone)";
    fill($("#cluster-nodes tbody"), [row([
      "this node",
      String(stats?.clients ?? "-"),
      $("#stat-in-rate").textContent,
      $("#stat-out-rate").textContent,
      "now",
    ])]);
    return;
  }
  self.textContent = `(this node: ${cluster.node}${cluster.connected ? "" : ", NATS unreachable"})`;
  const rows = cluster.nodes.map((n) => {
    const seen = `${Math.max(0, Math.round((Date.now() - n.seenAt) / 1000))} s ago`;
    return row([n.node, String(n.clients), String(n.receivedPerSec), String(n.sentPerSec), seen]);
  });
  fill($("#cluster-nodes tbody"), rows, "No nodes");
}
