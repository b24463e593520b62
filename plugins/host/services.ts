/**
 * Host side of a plugin's context: what `ctx.publish`, `ctx.broker.*`, `ctx.store.*` and `ctx.log`
 * turn into, for one alias.
 *
 * Everything here arrives from the plugin's worker or process and is untrusted: `invoke` checks
 * the method name and the shape and types of its arguments, and a bad call rejects (to the plugin)
 * without ever throwing into the broker. `ctx.publish` is limited per plugin by a token bucket
 * (`limits.publish_per_second`, burst of the same size, 0 = no publishing) and payloads are at
 * most {@linkcode PUBLISH_PAYLOAD_MAX_BYTES}; `ctx.log` cannot override the line's `time`,
 * `level`, `msg` nor the host's `plugin`/`component` fields (they become `_plugin`, ...).
 *
 * @module
 */

import type { PluginLimits } from "./entry.ts";
import { guardFields } from "../../lib/log.ts";
import type { ClientInfo, Message } from "../sdk/events.ts";
import type { BrokerStats, PluginStatusView } from "../sdk/stats.ts";
import type { ContextTransport } from "./context.ts";
import { CONTEXT_PARAMS, shown } from "./context_params.ts";
import {
  type ContextMethod,
  type ContextRequests,
  hasRow,
  type LogLevel,
  type ParamsOf,
  type PublishArgs,
  type RequestHandlers,
  type ResultOf,
} from "./protocol.ts";
import type { Logger } from "./runner.ts";
import type { PluginStore } from "./store.ts";
import { TokenBucket } from "./token_bucket.ts";
import { pluginConfigView } from "./config_view.ts";
import type { BrokerConfigView } from "../sdk/config_view.ts";

export { PUBLISH_PAYLOAD_MAX_BYTES } from "./context_params.ts";

/** What the broker lends the plugin host. */
export interface BrokerServices {
  /** Route a message a plugin published (`from.clientId` is `$plugin/<alias>`). */
  publish(message: Message): void | Promise<void>;
  /** Connected clients. */
  clients(): ClientInfo[] | Promise<ClientInfo[]>;
  /** Retained messages matching a topic filter. */
  retained(topicFilter: string): Message[] | Promise<Message[]>;
  /** Broker counters; absent in hosts without a broker (tests). */
  stats?(): BrokerStats | Promise<BrokerStats>;
  /** The plugin host's status rows. */
  plugins?(): PluginStatusView[] | Promise<PluginStatusView[]>;
  /** The effective broker config, unredacted: each plugin gets its redacted view (config_view.ts). */
  config?(): object;
}

/** Default `ctx.publish` calls per second (and burst). */
export const DEFAULT_PUBLISH_PER_SECOND = 1000;
/** Log fields a plugin cannot set: the host's own. */
const HOST_LOG_KEYS = ["plugin", "component"];
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
/** At most one "publish refused" warning per plugin in this many milliseconds. */
const WARN_EVERY_MS = 10_000;

/** What a plugin did wrong so far, for status and tests. */
export interface ServiceCounters {
  /** `ctx.publish` calls refused by the rate limit. */
  publishRefused: number;
  /** Calls with an unknown method or malformed arguments. */
  badCalls: number;
}

/**
 * The context services of one plugin alias.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PluginServices } from "./services.ts";
 * import { KvStore } from "./store.ts";
 * const broker = { publish() {}, clients: () => [], retained: () => [] };
 * const quiet = { debug() {}, info() {}, warn() {}, error() {} };
 * const s = new PluginServices("a", broker, await KvStore.open(null), quiet, {
 *   publish_per_second: 1,
 * });
 * await s.invoke("store.set", { key: "k", value: 1 });
 * assert.equal(await s.invoke("store.get", { key: "k" }), 1);
 * const bytes = new Uint8Array(1);
 * await s.invoke("publish", { topic: "t", payload: bytes, options: {} });
 * await assert.rejects(s.invoke("publish", { topic: "t", payload: bytes }), RangeError);
 * ```
 */
export class PluginServices implements ContextTransport {
  /** Refusals so far. */
  readonly counters: ServiceCounters = { publishRefused: 0, badCalls: 0 };
  #bucket: TokenBucket;
  #lastWarn = -Infinity;
  /** One handler per context method, typed by its row (params already read). */
  #handlers: RequestHandlers<ContextRequests> = {
    publish: (a) => this.#publish(a),
    clients: () => this.broker.clients(),
    retained: (filter) => this.broker.retained(filter),
    stats: () => {
      if (!this.broker.stats) throw new TypeError("stats() is not available in this host");
      return this.broker.stats();
    },
    plugins: () => this.broker.plugins?.() ?? [],
    "store.get": ({ key }) => this.store.get(key),
    "store.set": ({ key, value }) => this.store.set(key, value),
    "store.delete": ({ key }) => this.store.delete(key),
    "store.list": ({ prefix }) => this.store.list(prefix),
    config: () => {
      const config = (this.broker.config?.() ?? {}) as Record<string, unknown>;
      return pluginConfigView(config, this.alias, this.entry) as unknown as BrokerConfigView;
    },
  };

  /** `limits` defaults: `publish_per_second` 1000 (0 disables `ctx.publish`). */
  constructor(
    readonly alias: string,
    readonly broker: BrokerServices,
    readonly store: PluginStore,
    readonly logger: Logger,
    limits: Partial<PluginLimits> = {},
    /** Its own entry under `plugins:`, shown to it by `ctx.broker.config()`. */
    readonly entry: Record<string, unknown> | null = null,
  ) {
    const rate = limits.publish_per_second ?? DEFAULT_PUBLISH_PER_SECOND;
    if (!Number.isFinite(rate) || rate < 0) {
      throw new RangeError(`limits.publish_per_second must be 0 or more, got ${rate}`);
    }
    this.#bucket = new TokenBucket(rate);
  }

  /**
   * The entry point of a plugin's context calls, as they arrive from its cage: rejects (never
   * throws) on an unknown method or bad arguments.
   */
  invoke(method: unknown, args: unknown): Promise<unknown> {
    if (!hasRow(this.#handlers, method)) {
      this.counters.badCalls++;
      return Promise.reject(new TypeError(`Unknown context method ${shown(method)}`));
    }
    return this.call(method, args);
  }

  /** Runs one context method; its params are checked all the same (a plugin is JavaScript). */
  call = async <M extends ContextMethod>(
    method: M,
    params: ParamsOf<ContextRequests, M> | unknown,
  ): Promise<ResultOf<ContextRequests, M>> => {
    let read: ParamsOf<ContextRequests, M>;
    try {
      read = CONTEXT_PARAMS[method](params);
    } catch (err) {
      if (err instanceof TypeError) this.counters.badCalls++;
      throw err;
    }
    return await this.#handlers[method](read);
  };

  /** Forwards a plugin log line, tagged with the alias; never throws, whatever it is given. */
  log = (level: unknown, msg: unknown, fields?: unknown): void => {
    const lvl = LEVELS.includes(level as LogLevel) ? level as LogLevel : "info";
    let text: string;
    try {
      text = typeof msg === "string" ? msg : String(msg);
    } catch {
      text = "[unprintable message]";
    }
    this.logger[lvl](text, { plugin: this.alias, ...guardFields(fields, HOST_LOG_KEYS) });
  };

  async #publish({ topic, payload, options }: PublishArgs): Promise<void> {
    if (!this.#bucket.take()) throw this.#refusePublish(topic);
    await this.broker.publish({
      topic,
      payload,
      qos: options.qos ?? 0,
      retain: options.retain === true,
      ...(options.properties ? { properties: options.properties } : {}),
      from: { clientId: `$plugin/${this.alias}`, username: null },
    });
  }

  #refusePublish(topic: string): RangeError {
    this.counters.publishRefused++;
    const rate = this.#bucket.rate;
    const now = performance.now();
    if (now - this.#lastWarn >= WARN_EVERY_MS) {
      this.#lastWarn = now;
      this.logger.warn("Plugin publish refused: over its rate limit", {
        plugin: this.alias,
        publish_per_second: rate,
        refused: this.counters.publishRefused,
      });
    }
    return new RangeError(
      rate === 0
        ? `Cannot publish on ${
          shown(topic)
        }: limits.publish_per_second is 0 for plugin "${this.alias}"`
        : `Cannot publish on ${shown(topic)}: plugin "${this.alias}" is over its limit of ` +
          `${rate} messages a second (limits.publish_per_second); retry later`,
    );
  }
}
