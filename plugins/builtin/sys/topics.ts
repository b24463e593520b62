/**
 * What the `sys` plugin publishes: `$SYS/broker/...` topic -> payload, named as Mosquitto
 * (and aMQTT, where they agree) name them, plus `$SYS/broker/plugins/<alias>/...`.
 *
 * @module
 */

import type { BrokerStats, PluginStatusView } from "../../sdk/mod.ts";
import { type LoadAverages, type WindowName, WINDOWS } from "./load.ts";

/** Counters whose rate `$SYS/broker/load/<name>/<window>` reports, by name. */
export function loadCounters(s: BrokerStats): Record<string, number> {
  return {
    "messages/received": s.packetsReceived,
    "messages/sent": s.messagesSent,
    "publish/received": s.messagesReceived,
    "publish/sent": s.messagesSent,
    "publish/dropped": s.publishDropped,
    "bytes/received": s.bytesReceived,
    "bytes/sent": s.bytesSent,
    "connections": s.clientsTotal,
  };
}

/**
 * The broker topics and payloads for one round.
 *
 * @example
 * ```ts ignore
 * const rows = brokerTopics(await ctx.broker.stats(), load);
 * ```
 */
export function brokerTopics(s: BrokerStats, load: LoadAverages): [string, string][] {
  const rows: [string, string | number][] = [
    ["version", `aviary version ${s.version}`],
    ["uptime", `${s.uptime} seconds`],
    ["timestamp", new Date(s.startedAt).toISOString()],
    ["clients/connected", s.clientsConnected],
    ["clients/active", s.clientsConnected],
    ["clients/disconnected", s.clientsDisconnected],
    ["clients/inactive", s.clientsDisconnected],
    ["clients/total", s.clientsConnected + s.clientsDisconnected],
    ["clients/maximum", s.clientsMaximum],
    ["messages/received", s.packetsReceived],
    ["messages/sent", s.messagesSent],
    ["publish/messages/received", s.messagesReceived],
    ["publish/messages/sent", s.messagesSent],
    ["publish/messages/dropped", s.publishDropped],
    ["publish/bytes/received", s.bytesReceived],
    ["bytes/received", s.bytesReceived],
    ["bytes/sent", s.bytesSent],
    ["subscriptions/count", s.subscriptions],
    ["retained messages/count", s.retained],
    ["messages/retained/count", s.retained], // aMQTT's name
    ["store/messages/count", s.retained],
  ];
  for (const name of Object.keys(loadCounters(s))) {
    for (const w of Object.keys(WINDOWS) as WindowName[]) {
      rows.push([`load/${name}/${w}`, load.get(name, w).toFixed(2)]);
    }
  }
  return rows.map(([t, v]) => [`$SYS/broker/${t}`, String(v)]);
}

/**
 * Per-plugin topics: state and totals, then calls, errors, timeouts and p50/p99 latency (ms)
 * per hookpoint.
 *
 * @example
 * ```ts ignore
 * const rows = pluginTopics(await ctx.broker.plugins());
 * ```
 */
export function pluginTopics(plugins: PluginStatusView[]): [string, string][] {
  const rows: [string, string][] = [];
  for (const p of plugins) {
    const base = `$SYS/broker/plugins/${p.alias.replace(/[+#/]/g, "_")}`;
    const m = p.metrics;
    rows.push(
      [`${base}/state`, p.state],
      [`${base}/calls`, String(m.calls)],
      [`${base}/errors`, String(m.errors)],
      [`${base}/timeouts`, String(m.timeouts)],
      [`${base}/restarts`, String(m.restarts)],
    );
    for (const [hook, h] of Object.entries(m.hooks ?? {})) {
      const hb = `${base}/hooks/${hook}`;
      rows.push(
        [`${hb}/calls`, String(h.calls)],
        [`${hb}/errors`, String(h.errors)],
        [`${hb}/timeouts`, String(h.timeouts)],
        [`${hb}/latency/p50`, h.p50 === null ? "" : h.p50.toFixed(3)],
        [`${hb}/latency/p99`, h.p99 === null ? "" : h.p99.toFixed(3)],
      );
    }
  }
  return rows;
}
