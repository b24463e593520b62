/**
 * `sys`: publishes broker statistics under `$SYS/broker/...` every `interval` seconds, retained
 * (Mosquitto's `sys_interval`, aMQTT's `broker_sys`): version, uptime, clients, messages, bytes,
 * subscriptions, retained messages, load averages (`$SYS/broker/load/messages/received/1min`),
 * and per-plugin call metrics under `$SYS/broker/plugins/<alias>/...`.
 *
 * Only changed values are published after the first round. Subscribers need `$SYS/#` (a `#`
 * subscription does not match `$` topics).
 *
 * @example
 * ```yaml
 * plugins:
 *   sys: {source: sys, config: {interval: 10}}
 * ```
 *
 * @module
 */

import { definePlugin, type PluginContext } from "../../sdk/mod.ts";
import { LoadAverages } from "./load.ts";
import { brokerTopics, loadCounters, pluginTopics } from "./topics.ts";

/** Config of `sys`. */
export interface SysConfig {
  /** Seconds between rounds. */
  interval: number;
  /** Also publish `$SYS/broker/plugins/<alias>/...`. */
  plugin_metrics: boolean;
  /** Publish retained (as Mosquitto does). */
  retain: boolean;
}

interface SysState {
  timer: ReturnType<typeof setInterval>;
  load: LoadAverages;
  last: Map<string, string>;
  busy: boolean;
}

// One entry per alias: an in-process (isolation: none) module is shared by its aliases.
const states = new Map<string, SysState>();

async function round(ctx: PluginContext<SysConfig>, state: SysState): Promise<void> {
  if (state.busy) return; // a slow broker: skip rather than pile up
  state.busy = true;
  try {
    const stats = await ctx.broker.stats();
    state.load.update(loadCounters(stats), Date.now());
    const rows = brokerTopics(stats, state.load);
    if (ctx.config.plugin_metrics) rows.push(...pluginTopics(await ctx.broker.plugins()));
    for (const [topic, payload] of rows) {
      if (state.last.get(topic) === payload) continue;
      state.last.set(topic, payload);
      await ctx.publish(topic, payload, { retain: ctx.config.retain });
    }
  } catch (err) {
    ctx.log.warn("$SYS round failed", { error: (err as Error).message });
  } finally {
    state.busy = false;
  }
}

/** The `sys` plugin. */
export default definePlugin<SysConfig>({
  name: "sys",
  version: "1.0.0",
  description: "Publishes $SYS/broker/... statistics and per-plugin metrics",
  config: {
    schema: {
      type: "record",
      name: "SysConfig",
      fields: [
        { name: "interval", type: "double", default: 10 },
        { name: "plugin_metrics", type: "boolean", default: true },
        { name: "retain", type: "boolean", default: true },
      ],
    },
    defaults: { interval: 10, plugin_metrics: true, retain: true },
  },
  start(ctx) {
    if (!(ctx.config.interval > 0)) throw new RangeError('config field "interval" must be > 0');
    const state: SysState = {
      load: new LoadAverages(),
      last: new Map(),
      busy: false,
      timer: setInterval(() => round(ctx, state), ctx.config.interval * 1000),
    };
    states.set(ctx.alias, state);
    queueMicrotask(() => round(ctx, state));
  },
  stop(ctx) {
    clearInterval(states.get(ctx.alias)?.timer);
    states.delete(ctx.alias);
  },
  hooks: {},
});
