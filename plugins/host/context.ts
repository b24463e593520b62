/**
 * Builds the `ctx` object a plugin receives, over any transport: in a cage `call` is an RPC call
 * to the host, in-process it calls the host services directly. Either way the methods are the
 * rows of {@linkcode ContextRequests} (protocol.ts).
 *
 * @module
 */

import type { PluginContext } from "../sdk/plugin.ts";
import { deepFreeze } from "./config_view.ts";
import type { ContextMethod, ContextRequests, LogLevel, ParamsOf, ResultOf } from "./protocol.ts";

/** The host-side operations behind a context. */
export interface ContextTransport {
  /** Runs one context method. */
  call<M extends ContextMethod>(
    method: M,
    params: ParamsOf<ContextRequests, M>,
  ): Promise<ResultOf<ContextRequests, M>>;
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Builds a PluginContext whose services go through `transport`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ContextTransport, makeContext } from "./context.ts";
 * const lines: string[] = [];
 * const transport: ContextTransport = {
 *   call: () => Promise.reject(new Error("no services here")),
 *   log: (level, msg) => void lines.push(`${level} ${msg}`),
 * };
 * const ctx = makeContext("a", {}, transport);
 * ctx.log.info("hello");
 * assert.deepEqual(lines, ["info hello"]);
 * ```
 */
export function makeContext<C>(
  alias: string,
  config: C,
  transport: ContextTransport,
): PluginContext<C> {
  const { call, log } = transport;
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
      await call("publish", { topic, payload: bytes, options });
    },
    broker: {
      clients: () => call("clients", null),
      retained: (topicFilter) => call("retained", topicFilter),
      stats: () => call("stats", null),
      plugins: () => call("plugins", null),
      config: async () => deepFreeze(await call("config", null)),
    },
    store: {
      get: (key) => call("store.get", { key }),
      set: (key, value) => call("store.set", { key, value }),
      delete: (key) => call("store.delete", { key }),
      list: (prefix) => call("store.list", { prefix }),
    },
  };
}
