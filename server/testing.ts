/**
 * The plugin test harness: runs one plugin in its real cage (its own process by default, or a
 * Worker) with a given config and grant, inside a broker on an ephemeral loopback port, so a test
 * can connect MQTT.js clients, publish and subscribe, call the plugin's hooks through the host's
 * chain rules, and read what the broker saw and what the plugin logged. The plugin's module is
 * bundled into one file first (`plugin_bundle.ts`), exactly as `aviary plugins pack` ships it.
 *
 * This module starts a broker, so it lives in `server/` (the SDK imports nothing); plugin
 * projects made by `aviary plugins new` map it as `@aviary/testing`.
 *
 * @module
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { createLogger } from "../lib/log.ts";
import type { PluginHost } from "../plugins/host/host.ts";
import type { JsonValue, PluginPermissions, PluginStatusView } from "../plugins/sdk/mod.ts";
import { parseConfig } from "./config/mod.ts";
import { bundlePlugin } from "./plugin_bundle.ts";
import { startBroker } from "./server.ts";

/** What to run. */
export interface HarnessOptions {
  /** The plugin's entry module: a path or `file:` URL (TypeScript or JavaScript). */
  module: string | URL;
  /** The plugin's config (merged over its defaults and validated, as on a real broker). */
  config?: Record<string, unknown>;
  /** What the operator grants; default: nothing. */
  grant?: PluginPermissions;
  /** The cage; default `process`, as for any installed plugin. */
  isolation?: "process" | "worker";
  /** Default `plugin`. */
  alias?: string;
  /** Clients without credentials get in when no plugin decides; default true. */
  allowAnonymous?: boolean;
}

/** A received message, as the harness's watcher (subscribed to `#`) saw it. */
export interface SeenMessage {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

/** One line the plugin logged through `ctx.log` (or the host logged about it). */
export interface PluginLogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A running harness; `close()` it in a `finally`. */
export interface PluginHarness {
  /** `mqtt://127.0.0.1:PORT`. */
  url: string;
  /** The plugin host: call hooks with its chain rules (`authorize`, `decide`, `transform`). */
  host: PluginHost;
  /** Every message published in the broker (by clients or by the plugin), in order. */
  messages: SeenMessage[];
  /** Every log line about the plugin alias, parsed. */
  logs: PluginLogLine[];
  /** The plugin's status row (state, error, hooks, metrics). */
  status(): PluginStatusView;
  /** What the plugin keeps in `ctx.store`, read-only: `get(key)`, `list(prefix)`. */
  store: {
    get(key: string): Promise<JsonValue | undefined>;
    list(prefix?: string): Promise<string[]>;
  };
  /** Connects an MQTT.js client (v5 unless told) and waits for CONNACK; closed by `close()`. */
  connect(opts?: IClientOptions): Promise<MqttClient>;
  /** Resolves once `cond()` holds (polling every 10 ms); rejects after `ms` naming `what`. */
  waitFor(cond: () => boolean, what: string, ms?: number): Promise<void>;
  /** Ends every client, the broker and the plugin's cage. */
  close(): Promise<void>;
}

function brokerYaml(opts: HarnessOptions, source: string, alias: string, dir: string): string {
  const entry = {
    source,
    config: opts.config ?? {},
    permissions: opts.grant ?? {},
    isolation: opts.isolation ?? "process",
  };
  return JSON.stringify({
    listeners: { default: { type: "tcp", bind: "127.0.0.1:0" } },
    data_dir: dir, // the plugin's store lives and dies with the harness
    persistence: { backend: "memory" },
    auth: { allow_anonymous: opts.allowAnonymous ?? true },
    topic_check: { enable: true },
    plugins: { [alias]: entry },
  });
}

function mqttConnect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once("connect", () => resolve(c));
    c.once("error", (err) => c.end(true, {}, () => setTimeout(() => reject(err), 0)));
  });
}

function mqttEnd(c: MqttClient): Promise<void> {
  return new Promise((resolve) => c.end(true, {}, () => setTimeout(resolve, 0)));
}

async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Starts a broker running the plugin `opts.module` and a watcher client subscribed to `#`.
 * Throws when the plugin does not reach `running` (with the host's reason).
 *
 * @example
 * ```ts ignore
 * const h = await startPluginHarness({ module: "./plugin.ts", config: { prefix: "a/" } });
 * try {
 *   const c = await h.connect();
 *   await c.publishAsync("x", "1");
 *   await h.waitFor(() => h.messages.some((m) => m.topic === "a/x"), "the prefixed topic");
 * } finally {
 *   await h.close();
 * }
 * ```
 */
export async function startPluginHarness(opts: HarnessOptions): Promise<PluginHarness> {
  const alias = opts.alias ?? "plugin";
  const dir = await Deno.makeTempDir({ prefix: "aviary-harness-" });
  const entry = opts.module instanceof URL ? opts.module.pathname : opts.module;
  const bundled = `${dir}/plugin.js`;
  const logs: PluginLogLine[] = [];
  try {
    await bundlePlugin(entry, bundled);
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
  const sink = (line: string) => {
    const parsed = JSON.parse(line) as PluginLogLine;
    if (parsed.plugin === alias || parsed.alias === alias) logs.push(parsed);
  };
  const log = createLogger({ level: "debug", format: "json", sink });
  const config = parseConfig(brokerYaml(opts, bundled, alias, dir), `${dir}/harness.yaml`);
  const running = await startBroker(config, { log });
  const clients: MqttClient[] = [];
  const close = async () => {
    await Promise.all(clients.splice(0).map(mqttEnd));
    await running.close();
    await Deno.remove(dir, { recursive: true });
  };
  const status = () => running.plugins!.status().find((s) => s.alias === alias)!;
  if (status().state !== "running") {
    const why = status().error;
    await close();
    throw new Error(`plugin did not start: ${why}`);
  }
  const port = [...running.listeners.values()].find((l) => l.transport === "tcp")!.port;
  const url = `mqtt://127.0.0.1:${port}`;
  const connect = async (o: IClientOptions = {}) => {
    const c = await mqttConnect(url, { protocolVersion: 5, ...o });
    clients.push(c);
    return c;
  };
  const messages: SeenMessage[] = [];
  const watcher = await connect({ clientId: "$harness-watcher" }).catch(() => null);
  watcher?.on(
    "message",
    (topic, payload, p) =>
      messages.push({
        topic,
        payload: new TextDecoder().decode(payload),
        retain: p.retain,
        qos: p.qos,
      }),
  );
  await watcher?.subscribeAsync("#", { qos: 2 }).catch(() => {});
  const store = {
    get: (key: string) => running.plugins!.storeOf(alias)?.get(key) ?? Promise.resolve(undefined),
    list: (prefix = "") => running.plugins!.storeOf(alias)?.list(prefix) ?? Promise.resolve([]),
  };
  return { url, host: running.plugins!, messages, logs, status, store, connect, waitFor, close };
}
