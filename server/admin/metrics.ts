/**
 * `GET /metrics`: the broker's counters and gauges, its listeners and every plugin's hook calls
 * in the Prometheus text exposition format (version 0.0.4). Latencies are in seconds, as
 * Prometheus names them; the histogram has buckets and a count (the host keeps no latency sum).
 *
 * @module
 */

import type { Listener } from "../../broker/transport/connection.ts";
import type { PluginStatusView } from "../../plugins/sdk/stats.ts";
import type { ReadOnlyBroker } from "../read_only_broker.ts";

/** What the metrics are read from. */
export interface MetricsSource {
  /** The broker, read-only. */
  broker: ReadOnlyBroker;
  /** Listeners by config name (empty when unknown). */
  listeners: ReadonlyMap<string, Listener>;
  /** The plugin host's rows (empty without plugins). */
  plugins: readonly PluginStatusView[];
}

type Labels = Record<string, string | number>;
/** One metric family: name, type, help and its samples (suffix, labels, value). */
interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
  samples: [suffix: string, labels: Labels, value: number][];
}

const escapeLabel = (v: string) =>
  v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function render(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const [suffix, labels, value] of f.samples) {
      lines.push(`${f.name}${suffix}${labelText(labels)} ${Number.isFinite(value) ? value : 0}`);
    }
  }
  return lines.join("\n") + "\n";
}

function brokerFamilies(broker: ReadOnlyBroker): Family[] {
  const s = broker.stats();
  const counters = Object.entries(broker.counters()).filter(([k, v]) =>
    typeof v === "number" && k !== "clientsMaximum"
  );
  const gauge = (name: string, help: string, value: number): Family => ({
    name: `aviary_${name}`,
    type: "gauge",
    help,
    samples: [["", {}, value]],
  });
  return [
    gauge("uptime_seconds", "Seconds since the broker started", (broker.now() - s.startedAt) / 1e3),
    gauge("clients_connected", "Clients connected now", s.clientsConnected),
    gauge(
      "sessions_disconnected",
      "Persistent sessions without a connection",
      s.clientsDisconnected,
    ),
    gauge("clients_maximum", "Most clients connected at once since start", s.clientsMaximum),
    gauge("subscriptions", "Subscriptions now", s.subscriptions),
    gauge("retained_messages", "Retained messages now", s.retained),
    ...counters.map(([key, value]): Family => ({
      name: `aviary_${snake(key).replace(/_total$/, "")}_total`,
      type: "counter",
      help: `Broker counter ${key} since start`,
      samples: [["", {}, value as number]],
    })),
  ];
}

function listenerFamilies(source: MetricsSource): Family[] {
  const perListener = new Map<string, number>();
  for (const c of source.broker.clients()) {
    perListener.set(c.listener, (perListener.get(c.listener) ?? 0) + 1);
  }
  const rows = [...source.listeners.values()];
  return [{
    name: "aviary_listener_up",
    type: "gauge",
    help: "1 for each listener accepting connections",
    samples: rows.map((l) => ["", { listener: l.name, transport: l.transport, port: l.port }, 1]),
  }, {
    name: "aviary_listener_clients",
    type: "gauge",
    help: "Clients connected now through the listener",
    samples: rows.map((l) => ["", { listener: l.name }, perListener.get(l.name) ?? 0]),
  }];
}

function pluginFamilies(plugins: readonly PluginStatusView[]): Family[] {
  const fam = (name: string, type: Family["type"], help: string): Family => ({
    name: `aviary_plugin_${name}`,
    type,
    help,
    samples: [],
  });
  const up = fam("running", "gauge", "1 when the plugin is running");
  const restarts = fam("restarts_total", "counter", "Restarts of the plugin after a crash");
  const calls = fam("hook_calls_total", "counter", "Hook calls");
  const errors = fam("hook_errors_total", "counter", "Hook calls that threw");
  const timeouts = fam("hook_timeouts_total", "counter", "Hook calls that timed out");
  const latency = fam("hook_duration_seconds", "histogram", "Latency of answered hook calls");
  for (const p of plugins) {
    up.samples.push(["", { plugin: p.alias, state: p.state }, p.state === "running" ? 1 : 0]);
    restarts.samples.push(["", { plugin: p.alias }, p.metrics.restarts]);
    for (const [hook, m] of Object.entries(p.metrics.hooks)) {
      const labels = { plugin: p.alias, hook };
      calls.samples.push(["", labels, m.calls]);
      errors.samples.push(["", labels, m.errors]);
      timeouts.samples.push(["", labels, m.timeouts]);
      let seen = 0;
      m.histogram.bounds.forEach((ms, i) => {
        seen += m.histogram.counts[i] ?? 0;
        latency.samples.push(["_bucket", { ...labels, le: ms / 1000 }, seen]);
      });
      const total = m.histogram.counts.reduce((a, b) => a + b, 0);
      latency.samples.push(["_bucket", { ...labels, le: "+Inf" }, total]);
      latency.samples.push(["_count", labels, total]);
    }
  }
  return [up, restarts, calls, errors, timeouts, latency];
}

/**
 * The metrics page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Broker } from "../../broker/broker.ts";
 * import { parseConfig } from "../config/mod.ts";
 * import { readOnlyBroker } from "../read_only_broker.ts";
 * import { renderMetrics } from "./metrics.ts";
 * const broker = new Broker(parseConfig("", "empty.yaml"));
 * const text = renderMetrics({ broker: readOnlyBroker(broker), listeners: new Map(), plugins: [] });
 * assert.match(text, /^# TYPE aviary_clients_connected gauge\naviary_clients_connected 0$/m);
 * await broker.close();
 * ```
 */
export function renderMetrics(source: MetricsSource): string {
  return render([
    ...brokerFamilies(source.broker),
    ...listenerFamilies(source),
    ...pluginFamilies(source.plugins),
  ]);
}
