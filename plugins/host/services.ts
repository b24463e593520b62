/**
 * Host side of a plugin's context: what `ctx.publish`, `ctx.broker.*`, `ctx.store.*` and `ctx.log`
 * turn into, for one alias.
 *
 * @module
 */

import type { ClientInfo, Message } from "../sdk/events.ts";
import type { JsonValue } from "../sdk/plugin.ts";
import type { BrokerStats, PluginStatusView } from "../sdk/stats.ts";
import type { ContextTransport, LogLevel, PublishArgs } from "./context.ts";
import type { Logger } from "./runner.ts";
import type { KvStore } from "./store.ts";

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

/**
 * The context services of one plugin alias.
 *
 * @example
 * ```ts
 * import { PluginServices } from "./services.ts";
 * import { KvStore } from "./store.ts";
 * const s = new PluginServices("a", { publish() {}, clients: () => [], retained: () => [] }, await KvStore.open(null), console);
 * await s.invoke("store.set", { key: "k", value: 1 });
 * console.log(await s.invoke("store.get", { key: "k" })); // 1
 * ```
 */
export class PluginServices implements ContextTransport {
  constructor(
    readonly alias: string,
    readonly broker: BrokerServices,
    readonly store: KvStore,
    readonly logger: Logger,
  ) {}

  /** Runs one context method; throws TypeError on bad arguments. */
  async invoke(method: string, args: unknown): Promise<unknown> {
    const a = (args ?? {}) as { key?: unknown; value?: unknown; prefix?: unknown };
    switch (method) {
      case "publish":
        return void await this.broker.publish(this.#message(args as PublishArgs));
      case "clients":
        return await this.broker.clients();
      case "retained":
        if (typeof args !== "string") throw new TypeError("retained() needs a topic filter");
        return await this.broker.retained(args);
      case "stats":
        if (!this.broker.stats) throw new TypeError("stats() is not available in this host");
        return await this.broker.stats();
      case "plugins":
        return this.broker.plugins ? await this.broker.plugins() : [];
      case "store.get":
        return await this.store.get(this.#key(a.key));
      case "store.set":
        return await this.store.set(this.#key(a.key), a.value as JsonValue);
      case "store.delete":
        return await this.store.delete(this.#key(a.key));
      case "store.list":
        return await this.store.list(typeof a.prefix === "string" ? a.prefix : "");
      default:
        throw new TypeError(`unknown context method ${method}`);
    }
  }

  /** Forwards a plugin log line, tagged with the alias. */
  log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    const lvl: LogLevel = ["debug", "info", "warn", "error"].includes(level) ? level : "info";
    this.logger[lvl](String(msg), { ...(fields ?? {}), plugin: this.alias });
  };

  #key(key: unknown): string {
    if (typeof key !== "string" || key === "") {
      throw new TypeError("store key must be a non-empty string");
    }
    return key;
  }

  #message({ topic, payload, options }: PublishArgs): Message {
    if (typeof topic !== "string" || topic === "" || /[#+]/.test(topic)) {
      throw new TypeError(`publish topic must be a topic name, got ${JSON.stringify(topic)}`);
    }
    if (!(payload instanceof Uint8Array)) throw new TypeError("publish payload must be bytes");
    const qos = options?.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`publish qos must be 0, 1 or 2`);
    return {
      topic,
      payload,
      qos,
      retain: options?.retain === true,
      ...(options?.properties ? { properties: options.properties } : {}),
      from: { clientId: `$plugin/${this.alias}`, username: null },
    };
  }
}
