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
import { isValidTopicFilter, isValidTopicName } from "../sdk/topics.ts";
import type { ClientInfo, Message } from "../sdk/events.ts";
import type { JsonValue } from "../sdk/plugin.ts";
import type { BrokerStats, PluginStatusView } from "../sdk/stats.ts";
import type { ContextTransport, LogLevel } from "./context.ts";
import type { Logger } from "./runner.ts";
import type { KvStore } from "./store.ts";
import { TokenBucket } from "./token_bucket.ts";

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
}

/** Largest payload a plugin may publish (the broker's `max_packet_size` applies as well). */
export const PUBLISH_PAYLOAD_MAX_BYTES: number = 256 * 1024 * 1024;
/** Longest topic or filter, in UTF-8 bytes (an MQTT string). */
const TOPIC_MAX_BYTES = 65_535;
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
 * import { PluginServices } from "./services.ts";
 * import { KvStore } from "./store.ts";
 * const broker = { publish() {}, clients: () => [], retained: () => [] };
 * const quiet = { debug() {}, info() {}, warn() {}, error() {} };
 * const s = new PluginServices("a", broker, await KvStore.open(null), quiet, {
 *   publish_per_second: 1,
 * });
 * await s.invoke("store.set", { key: "k", value: 1 });
 * if (await s.invoke("store.get", { key: "k" }) !== 1) throw new Error("not stored");
 * const bytes = new Uint8Array(1);
 * await s.invoke("publish", { topic: "t", payload: bytes, options: {} });
 * const refused = await s.invoke("publish", { topic: "t", payload: bytes }).catch((e: Error) => e);
 * if (!(refused instanceof RangeError)) throw new Error("not limited");
 * ```
 */
export class PluginServices implements ContextTransport {
  /** Refusals so far. */
  readonly counters: ServiceCounters = { publishRefused: 0, badCalls: 0 };
  #bucket: TokenBucket;
  #lastWarn = -Infinity;
  #methods: Record<string, (args: unknown) => unknown> = {
    publish: (a) => this.#publish(a),
    clients: () => this.broker.clients(),
    retained: (a) => this.broker.retained(this.#filter(a)),
    stats: () => {
      if (!this.broker.stats) throw new TypeError("stats() is not available in this host");
      return this.broker.stats();
    },
    plugins: () => this.broker.plugins?.() ?? [],
    "store.get": (a) => this.store.get(this.#key(a)),
    "store.set": (a) => this.store.set(this.#key(a), field(a, "value") as JsonValue),
    "store.delete": (a) => this.store.delete(this.#key(a)),
    "store.list": (a) => this.store.list(this.#prefix(a)),
  };

  /** `limits` defaults: `publish_per_second` 1000 (0 disables `ctx.publish`). */
  constructor(
    readonly alias: string,
    readonly broker: BrokerServices,
    readonly store: KvStore,
    readonly logger: Logger,
    limits: Partial<PluginLimits> = {},
  ) {
    const rate = limits.publish_per_second ?? DEFAULT_PUBLISH_PER_SECOND;
    if (!Number.isFinite(rate) || rate < 0) {
      throw new RangeError(`limits.publish_per_second must be 0 or more, got ${rate}`);
    }
    this.#bucket = new TokenBucket(rate);
  }

  /** Runs one context method; rejects (never throws) on an unknown method or bad arguments. */
  async invoke(method: unknown, args: unknown): Promise<unknown> {
    if (typeof method !== "string" || !Object.hasOwn(this.#methods, method)) {
      this.counters.badCalls++;
      throw new TypeError(`Unknown context method ${shown(method)}`);
    }
    return await this.#methods[method](args);
  }

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

  async #publish(args: unknown): Promise<void> {
    const message = this.#message(args);
    if (!this.#bucket.take()) throw this.#refusePublish(message.topic);
    await this.broker.publish(message);
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

  #message(args: unknown): Message {
    const a = this.#args(args, "publish");
    const topic = this.#mqttString(a.topic, "publish topic");
    if (!isValidTopicName(topic)) this.#bad(`publish topic ${shown(topic)} is not a topic name`);
    const payload = a.payload;
    if (!(payload instanceof Uint8Array)) {
      this.#bad(`publish payload must be a Uint8Array or a string, got ${kind(payload)}`);
    }
    if (payload.byteLength > PUBLISH_PAYLOAD_MAX_BYTES) {
      throw new RangeError(
        `publish payload is ${payload.byteLength} bytes, over the limit of ${PUBLISH_PAYLOAD_MAX_BYTES}`,
      );
    }
    const o = a.options === undefined || a.options === null ? {} : this.#args(a.options, "options");
    const qos = o.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) this.#bad(`publish qos must be 0, 1 or 2`);
    if (o.retain !== undefined && typeof o.retain !== "boolean") {
      this.#bad("publish retain must be a boolean");
    }
    if (o.properties !== undefined) this.#args(o.properties, "publish properties");
    return {
      topic,
      payload,
      qos,
      retain: o.retain === true,
      ...(o.properties ? { properties: o.properties as Message["properties"] } : {}),
      from: { clientId: `$plugin/${this.alias}`, username: null },
    };
  }

  #filter(args: unknown): string {
    const filter = this.#mqttString(args, "retained() topic filter");
    if (!isValidTopicFilter(filter)) this.#bad(`retained() filter ${shown(filter)} is not valid`);
    return filter;
  }

  #key(args: unknown): string {
    const key = this.#args(args, "store call").key;
    if (typeof key !== "string" || key === "") this.#bad("store key must be a non-empty string");
    return key;
  }

  #prefix(args: unknown): string {
    const prefix = args === undefined || args === null
      ? undefined
      : this.#args(args, "store.list").prefix;
    if (prefix === undefined || prefix === null) return "";
    if (typeof prefix !== "string") this.#bad("store.list prefix must be a string");
    return prefix;
  }

  #mqttString(value: unknown, what: string): string {
    if (typeof value !== "string") this.#bad(`${what} must be a string, got ${kind(value)}`);
    if (
      value.length > TOPIC_MAX_BYTES || new TextEncoder().encode(value).length > TOPIC_MAX_BYTES
    ) {
      this.#bad(`${what} is over ${TOPIC_MAX_BYTES} UTF-8 bytes`);
    }
    return value;
  }

  #args(value: unknown, what: string): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.#bad(`${what} arguments must be an object, got ${kind(value)}`);
    }
    return value as Record<string, unknown>;
  }

  #bad(message: string): never {
    this.counters.badCalls++;
    throw new TypeError(message);
  }
}

function field(args: unknown, name: string): unknown {
  return (args as Record<string, unknown>)[name];
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : String(kind(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
