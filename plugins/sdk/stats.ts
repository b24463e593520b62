/**
 * Read-only broker and plugin figures a plugin may ask for with `ctx.broker.stats()` and
 * `ctx.broker.plugins()`. Plain data, as everything that crosses into a plugin.
 *
 * @module
 */

/** Broker-wide figures since start (what `$SYS/broker/...` publishes). */
export interface BrokerStats {
  /** Broker version. */
  version: string;
  /** Milliseconds since the epoch when the broker started. */
  startedAt: number;
  /** Seconds since start. */
  uptime: number;
  /** Clients connected now. */
  clientsConnected: number;
  /** Persistent sessions whose client is not connected. */
  clientsDisconnected: number;
  /** Connections accepted since start. */
  clientsTotal: number;
  /** Most clients connected at once. */
  clientsMaximum: number;
  /** Subscriptions now (a shared group counts once per member). */
  subscriptions: number;
  /** Retained messages now. */
  retained: number;
  messagesReceived: number;
  messagesSent: number;
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  /** Publishes that matched no subscriber. */
  publishDropped: number;
  /** Deliveries to one subscriber that were dropped. */
  deliveryDropped: number;
}

/** Call figures of one hookpoint of one plugin. */
export interface HookMetrics {
  calls: number;
  errors: number;
  timeouts: number;
  /**
   * Latency histogram of answered calls: `counts[i]` calls took at most `bounds[i]` ms (and more
   * than the bound before); the extra last count holds the calls slower than every bound.
   */
  histogram: { bounds: number[]; counts: number[] };
  /** Slowest answered call, ms. */
  max: number;
  /** Upper bound of the bucket holding the median call, ms (null before the first timed call). */
  p50: number | null;
  /** Upper bound of the bucket holding the 99th percentile call, ms. */
  p99: number | null;
}

/** Figures of one plugin: totals plus one entry per hookpoint it was called on. */
export interface PluginMetricsView {
  calls: number;
  errors: number;
  timeouts: number;
  restarts: number;
  hooks: Record<string, HookMetrics>;
}

/** One plugin as `ctx.broker.plugins()` reports it (a row of the host status). */
export interface PluginStatusView {
  alias: string;
  name: string | null;
  version: string | null;
  state: string;
  error?: string;
  hooks: string[];
  metrics: PluginMetricsView;
}
