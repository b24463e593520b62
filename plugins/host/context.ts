/**
 * Builds the `ctx` object a plugin receives, over any transport: in a worker `invoke` is an RPC
 * call to the host, in-process it calls the host services directly.
 *
 * @module
 */

import type { JsonValue, PluginContext, PublishOptions } from "../sdk/plugin.ts";
import type { ClientInfo, Message } from "../sdk/events.ts";
import type { BrokerStats, PluginStatusView } from "../sdk/stats.ts";

/** Log levels, in order. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The host-side operations behind a context, by method name. */
export interface ContextTransport {
  invoke(method: string, args: unknown): Promise<unknown>;
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

/** Arguments of the `publish` method. */
export interface PublishArgs {
  topic: string;
  payload: Uint8Array;
  options: PublishOptions;
}

/**
 * Builds a PluginContext whose services go through `transport`.
 *
 * @example
 * ```ts
 * import { makeContext } from "./context.ts";
 * const ctx = makeContext("a", {}, { invoke: async () => [], log: (l, m) => console.log(l, m) });
 * ctx.log.info("hello"); // info hello
 * ```
 */
export function makeContext<C>(
  alias: string,
  config: C,
  transport: ContextTransport,
): PluginContext<C> {
  const { invoke, log } = transport;
  const encoder = new TextEncoder();
  return {
    alias,
    config,
    log: {
      debug: (msg, fields) => log("debug", String(msg), fields),
      info: (msg, fields) => log("info", String(msg), fields),
      warn: (msg, fields) => log("warn", String(msg), fields),
      error: (msg, fields) => log("error", String(msg), fields),
    },
    publish: async (topic, payload, options = {}) => {
      const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
      await invoke("publish", { topic, payload: bytes, options } satisfies PublishArgs);
    },
    broker: {
      clients: () => invoke("clients", null) as Promise<ClientInfo[]>,
      retained: (topicFilter) => invoke("retained", topicFilter) as Promise<Message[]>,
      stats: () => invoke("stats", null) as Promise<BrokerStats>,
      plugins: () => invoke("plugins", null) as Promise<PluginStatusView[]>,
    },
    store: {
      get: (key) => invoke("store.get", { key }) as Promise<JsonValue | undefined>,
      set: async (key, value) => void await invoke("store.set", { key, value }),
      delete: (key) => invoke("store.delete", { key }) as Promise<boolean>,
      list: (prefix) => invoke("store.list", { prefix }) as Promise<string[]>,
    },
  };
}
