/**
 * The wire between the host and a caged plugin (a Worker or a child process), declared once.
 *
 * Four tables, one per direction and kind: requests the host sends to a plugin
 * ({@linkcode PluginRequests}) and one-way messages ({@linkcode PluginMessages}); requests a plugin
 * sends to the host, i.e. its context methods ({@linkcode ContextRequests}), and one-way messages
 * ({@linkcode HostMessages}). A request row names its params and its result. Both sides declare
 * their handlers `satisfies` {@linkcode RequestHandlers} / {@linkcode MessageHandlers} of their table,
 * and `RpcPeer.call` / `RpcPeer.send` (rpc.ts) are typed by the other side's table: a missing or
 * misspelt method, or a wrong payload, does not compile.
 *
 * Everything that comes from a plugin is untrusted and is read against these tables by readers
 * typed by their rows: frame shapes, messages and answers in wire_checks.ts, context params in
 * context_params.ts.
 *
 * @module
 */

import type { ClientInfo, Message } from "../sdk/events.ts";
import type { Awaitable, JsonValue, PublishOptions } from "../sdk/plugin.ts";
import type { BrokerStats, PluginStatusView } from "../sdk/stats.ts";
import type { BrokerConfigView } from "../sdk/config_view.ts";
import type { HookpointName } from "../sdk/hookpoints.ts";
import type { LoadedSource } from "./loader.ts";
import type { Manifest } from "./manifest.ts";

/** One request row: what the caller sends and what the callee answers. */
export interface Row<P, R> {
  params: P;
  result: R;
}

/** A table of requests by method name. */
export type RequestTable = Record<string, Row<unknown, unknown>>;
/** A table of one-way messages: method name to payload. */
export type MessageTable = Record<string, unknown>;

/** One frame on the wire; frames travel in batches (arrays), checked by `frameProblem()`. */
export type Frame =
  | { t: "req"; id: number; m: string; a: unknown }
  | { t: "res"; id: number; ok: true; v: unknown }
  | { t: "res"; id: number; ok: false; e: { name: string; message: string } }
  | { t: "msg"; m: string; a: unknown };

/** What one side serves: the requests it answers and the messages it takes. */
export interface Wire {
  requests: RequestTable;
  messages: MessageTable;
}

/** Log levels, in order. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Params of `load`: which plugin, and its code as the loader verified it. */
export interface LoadArgs {
  alias: string;
  source: LoadedSource;
}

/** Params of `hook` and `notify`: the hookpoint and its event. */
export interface HookCall {
  h: HookpointName;
  e: unknown;
}

/** Params of `hooks`: one transform hookpoint, many events (the messages of one tick). */
export interface HookBatch {
  h: HookpointName;
  es: unknown[];
}

/**
 * One event's answer in a `hooks` batch: what the hook returned, `same` (it returned the event's
 * value exactly as it came: the broker keeps its own), `patch` (the event with these fields
 * replaced: only what changed crosses back), or what it threw (that event alone fails).
 */
export type HookAnswer =
  | { v: unknown }
  | { same: true }
  | { patch: Record<string, unknown> }
  | { error: string };

/** What `configure` answers: whether the plugin took the config (false: it has no hook). */
export interface ConfigureAnswer {
  applied: boolean;
}

/** What a plugin's `healthCheck` answered. */
export interface HealthReport {
  ok: boolean;
  message?: string;
}

/** Host to plugin: requests, answered by the cage's bootstrap (worker_bootstrap.ts). */
export type PluginRequests = {
  /** Watchdog. */
  ping: Row<null, "pong">;
  /** Import the plugin, answer its manifest. */
  load: Row<LoadArgs, Manifest>;
  /** setup + start with this config. */
  start: Row<Record<string, unknown>, null>;
  /** One hook call; the result is checked by the hook chain (chain.ts). */
  hook: Row<HookCall, unknown>;
  /** One transform hook over many events: one answer per event, in order. */
  hooks: Row<HookBatch, HookAnswer[]>;
  /** configChanged with the new config. */
  configure: Row<Record<string, unknown>, ConfigureAnswer>;
  /** healthCheck; null when the plugin has none. */
  health: Row<null, HealthReport | null>;
  stop: Row<null, null>;
};

/** Host to plugin: one-way messages. */
export type PluginMessages = {
  /** A notify hook: fire and forget. */
  notify: HookCall;
};

/** Params of `publish`. */
export interface PublishArgs {
  topic: string;
  payload: Uint8Array;
  options: PublishOptions;
}

/** Plugin to host: the context methods behind `ctx.publish`, `ctx.broker.*`, `ctx.store.*`. */
export type ContextRequests = {
  publish: Row<PublishArgs, void>;
  clients: Row<null, ClientInfo[]>;
  retained: Row<string, Message[]>;
  stats: Row<null, BrokerStats>;
  plugins: Row<null, PluginStatusView[]>;
  "store.get": Row<{ key: string }, JsonValue | undefined>;
  "store.set": Row<{ key: string; value: JsonValue }, void>;
  "store.delete": Row<{ key: string }, boolean>;
  "store.list": Row<{ prefix?: string }, string[]>;
  /** `ctx.broker.config()`: the broker's config as the plugin may see it (config_view.ts). */
  config: Row<null, BrokerConfigView>;
};

/** A `log` message: one line of `ctx.log` or of the console. */
export interface LogMessage {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}

/** A `fault` message: a notify hook threw, or an error escaped the plugin (`hook` null). */
export interface FaultMessage {
  hook: string | null;
  message: string;
}

/** Plugin to host: one-way messages. */
export type HostMessages = {
  log: LogMessage;
  fault: FaultMessage;
};

/** What a plugin serves (the host calls it). */
export type PluginWire = { requests: PluginRequests; messages: PluginMessages };
/** What the host serves (a plugin calls it). */
export type HostWire = { requests: ContextRequests; messages: HostMessages };

/** A context method name. */
export type ContextMethod = keyof ContextRequests;
/** Params of a request. */
export type ParamsOf<T extends RequestTable, M extends keyof T> = T[M]["params"];
/** Result of a request. */
export type ResultOf<T extends RequestTable, M extends keyof T> = T[M]["result"];

/** One handler per request of `T`, typed by its row. */
export type RequestHandlers<T extends RequestTable> = {
  [M in keyof T]: (params: T[M]["params"]) => Awaitable<T[M]["result"]>;
};

/** One handler per message of `T`. */
export type MessageHandlers<T extends MessageTable> = {
  [M in keyof T]: (params: T[M]) => void;
};

/** Readers of untrusted request params: each returns its row's params or throws. */
export type ParamReaders<T extends RequestTable> = {
  [M in keyof T]: (raw: unknown) => T[M]["params"];
};

/** Readers of untrusted answers: each returns its row's result or throws a TypeError. */
export type ResultReaders<T extends RequestTable> = {
  [M in keyof T]: (raw: unknown) => T[M]["result"];
};

/** Readers of untrusted messages: each returns its payload, or null when malformed. */
export type MessageReaders<T extends MessageTable> = {
  [M in keyof T]: (raw: unknown) => T[M] | null;
};

/**
 * Whether `method` is a row of `table` (an own key: `__proto__` and `constructor` are not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasRow } from "./protocol.ts";
 * assert.equal(hasRow({ ping: () => "pong" }, "ping"), true);
 * assert.equal(hasRow({ ping: () => "pong" }, "constructor"), false);
 * ```
 */
export function hasRow<T extends object>(table: T, method: unknown): method is keyof T & string {
  return typeof method === "string" && Object.hasOwn(table, method);
}

/**
 * Turns a handler table into the request function of an RpcPeer, for a side whose caller is
 * trusted (the plugin side: the host is the caller): an unknown method is refused, the params are
 * passed as the caller's table declares them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveRequests } from "./protocol.ts";
 * const serve = serveRequests<{ double: { params: number; result: number } }>({
 *   double: (x) => x * 2,
 * });
 * assert.equal(await serve("double", 21), 42);
 * await assert.rejects(serve("triple", 1), /unknown request triple/);
 * ```
 */
export function serveRequests<T extends RequestTable>(
  handlers: RequestHandlers<T>,
): (method: string, args: unknown) => Promise<unknown> {
  return async (method, args) => {
    if (!hasRow(handlers, method)) throw new Error(`unknown request ${method}`);
    // The caller is the host, which sends what its table declares.
    return await handlers[method](args as ParamsOf<T, typeof method>);
  };
}

/**
 * Turns a message handler table into the message function of an RpcPeer. With `readers` (an
 * untrusted sender) each payload is read first and a malformed one goes to `malformed` instead of
 * its handler; without them (the host is the sender) payloads pass as declared. Unknown methods
 * are ignored: one-way messages have nobody to answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveMessages } from "./protocol.ts";
 * const seen: string[] = [];
 * const serve = serveMessages<{ say: string }>({ say: (s) => typeof s === "string" ? s : null }, {
 *   say: (s) => void seen.push(s),
 * }, (m) => void seen.push(`malformed ${m}`));
 * serve("say", "hi");
 * serve("say", 1);
 * serve("shout", "ignored");
 * assert.deepEqual(seen, ["hi", "malformed say"]);
 * ```
 */
export function serveMessages<T extends MessageTable>(
  readers: MessageReaders<T> | null,
  handlers: MessageHandlers<T>,
  malformed: (method: keyof T & string) => void = () => {},
): (method: string, args: unknown) => void {
  return (method, args) => {
    if (!hasRow(handlers, method)) return;
    // Without readers the sender is the host, which sends what its table declares.
    if (!readers) return handlers[method](args as T[typeof method]);
    const payload = readers[method](args);
    if (payload === null) malformed(method);
    else handlers[method](payload);
  };
}
