/**
 * Connects the broker core to the plugin host: starts the host with the configured plugins and
 * services backed by the broker's read-only view, and adapts it to {@linkcode BrokerHooks}.
 * Everything a plugin hands back passes the checks of `plugin_output.ts` here, once;
 * authentication and topic checks fail closed through `plugin_guard.ts` and `plugin_auth.ts`.
 *
 * @module
 */
import { type BrokerServices, type PluginHost, PluginManager } from "../plugins/host/mod.ts";
import type { PluginStoreOpener } from "../plugins/host/store.ts";
import type { HookpointName, Message as PluginMessage } from "../plugins/sdk/mod.ts";
import type { Broker } from "../broker/broker.ts";
import type { BrokerConfig } from "./config/types.ts";
import type { BrokerHooks } from "../broker/hooks.ts";
import type { Logger } from "../lib/log.ts";
import { fromPluginMessage, type Message, toPluginMessage } from "../broker/message.ts";
import { authenticateWithPlugins, enhancedAuthWithPlugins } from "./plugin_auth.ts";
import { withControl } from "./plugin_control.ts";
import { PluginFaults } from "./plugin_faults.ts";
import { type GuardedHook, PluginGuard } from "./plugin_guard.ts";
import {
  checkConnackProperties,
  checkMessage,
  checkSubscriptions,
  type MessageLimits,
  PluginOutputError,
} from "./plugin_output.ts";
import type { Stats } from "../broker/stats.ts";
import type { ReadOnlyBroker } from "./read_only_broker.ts";

/** What {@linkcode startPlugins} needs besides the broker and its config. */
export interface StartPluginsDeps {
  /** The broker's log (the host logs under `component: "plugins"`). */
  log: Logger;
  /** The broker, read-only: what plugins see as `ctx.broker`. */
  view: ReadOnlyBroker;
  /** Opens plugins' `ctx.store` (cluster-wide in a cluster); default: local SQLite files. */
  openStore?: PluginStoreOpener;
}

/**
 * Starts the plugin host for `broker` and installs its hooks. A plugin that fails to load or start
 * is reported in the log and in `host.status()`; it never stops the broker.
 *
 * @example
 * ```ts ignore
 * const manager = await startPlugins(broker, config, { log, view: readOnlyBroker(broker) });
 * console.table(manager.host.status());
 * ```
 */
export async function startPlugins(
  broker: Broker,
  config: BrokerConfig,
  { log, view, openStore }: StartPluginsDeps,
): Promise<PluginManager> {
  let started: PluginHost | undefined; // plugins may ask for the status while starting
  const faults = new PluginFaults(log, broker.stats);
  const limits = { maxPacketSize: config.mqtt.max_packet_size };
  const asPublished = new WeakSet<Message>(); // plugins' messages that skip message.publish
  const services: BrokerServices = {
    publish: (m: PluginMessage) => {
      const msg = pluginPublished(m, limits, faults);
      const alias = m.from?.clientId?.replace(/^\$plugin\//, "") ?? "";
      if (config.plugins[alias]?.transform_plugin_messages !== true) asPublished.add(msg);
      void broker.publish(msg);
    },
    clients: () => view.clients(),
    retained: (filter: string) => view.retained(filter),
    stats: () => view.stats(),
    plugins: () => started?.status() ?? [],
    config: () => config, // each plugin sees it redacted (plugins/host/config_view.ts)
  };
  // The manager merges the YAML map with the runtime state in <data_dir>/plugins/state.json.
  const manager = await PluginManager.open({
    plugins: config.plugins,
    auth: config.auth,
    topicCheck: config.topic_check,
    dataDir: config.data_dir,
    openStore,
    log: log.child({ component: "plugins" }),
    services,
  });
  const host = started = manager.host;
  const guard = new PluginGuard(
    () =>
      manager.list().map(({ alias, state, hooks, enabled }) => ({ alias, state, hooks, enabled })),
    host,
    liveGuardLists(config),
  );
  const deps = { log, stats: broker.stats, guard, faults, asPublished };
  const reply = (m: Message) => void (asPublished.add(m), broker.publish(m)); // $CONTROL answers
  broker.hooks = withControl(pluginHooks(host, config, deps), {
    host,
    topicCheck: config.topic_check.enable,
    reply,
    log,
  });
  logStates(host, log);
  return manager;
}

/** One log line per plugin: loaded (with its hooks) or not running (with the error). */
function logStates(host: PluginHost, log: Logger): void {
  for (const s of host.status()) {
    const fields = {
      plugin: s.alias,
      name: s.name,
      version: s.version,
      state: s.state,
      isolation: s.isolation,
    };
    if (s.state === "failed" || s.state === "crashed") {
      log.error("Plugin not running", { ...fields, error: s.error });
    } else log.info("Plugin loaded", { ...fields, hooks: s.hooks.join(",") });
  }
}

/** What {@linkcode pluginHooks} reports to and consults. */
export interface PluginHooksDeps {
  /** Where refusals and faults are logged. */
  log: Logger;
  /** The broker's counters (`pluginOutputRefused`). */
  stats: Stats;
  /** Who must take part in authentication and topic checks (default: from `host.status()`). */
  guard?: PluginGuard;
  /** Where plugin faults are counted and logged (default: a new one over `log` and `stats`). */
  faults?: PluginFaults;
  /**
   * Messages routed as published, past every `message.publish` hook: those plugins published
   * (`ctx.publish`) unless their entry says `transform_plugin_messages: true`. Kept by identity,
   * so no client can pass for a plugin.
   */
  asPublished?: WeakSet<Message>;
}

/**
 * Adapts a plugin host to the core's hooks. Authentication is always asked (so that an auth plugin
 * that failed to load fails closed); authorization whenever topic checks are enabled. Transform
 * results are checked (plugin_output.ts): an invalid one is the plugin's fault, counted and
 * logged, and never sent — a message is dropped, a CONNACK goes without the plugin's properties,
 * a SUBSCRIBE's filters are refused.
 */
export function pluginHooks(
  host: PluginHost,
  config: BrokerConfig,
  deps: PluginHooksDeps,
): BrokerHooks {
  const faults = deps.faults ?? new PluginFaults(deps.log, deps.stats);
  const guard = deps.guard ?? new PluginGuard(() => host.status(), host, {
    "client.authenticate": config.auth.plugins,
    "client.authorize": config.topic_check.plugins,
  });
  return {
    has: (hook) => hook === "client.authorize" ? config.topic_check.enable : host.has(hook),
    authenticate: (event) =>
      authenticateWithPlugins(host, config.auth, guard, faults, deps.log, event),
    enhancedAuth: (event) => enhancedAuthWithPlugins(host, deps.log, event),
    authorize: authorizer(host, config.topic_check.enable, guard, faults),
    ...transformHooks(host, { maxPacketSize: config.mqtt.max_packet_size }, faults, deps),
    notify: (hook, event) => host.notify(hook, event),
  };
}

/** `client.authorize`: refused while a topic-check plugin is down, else the chain decides. */
function authorizer(
  host: PluginHost,
  topicCheck: boolean,
  guard: PluginGuard,
  faults: PluginFaults,
): BrokerHooks["authorize"] {
  return async (event) => {
    if (topicCheck) {
      const view = guard.check("client.authorize"); // cached: a few lookups per PUBLISH
      if (view.missing.length > 0 || view.unknown.length > 0) {
        const plugins = [...view.missing, ...view.unknown].join(",");
        faults.warn(
          "authorize:down",
          "Topic check refused: a topic-check plugin is not running",
          { plugins },
        );
        return false;
      }
    }
    return (await host.authorize(event)).result === "allow";
  };
}

/** The transform hooks, each result checked (plugin_output.ts) before the core sees it. */
function transformHooks(
  host: PluginHost,
  limits: MessageLimits,
  faults: PluginFaults,
  { asPublished }: Pick<PluginHooksDeps, "asPublished">,
): Pick<BrokerHooks, "subscribe" | "unsubscribe" | "connack" | "publish" | "deliver"> {
  /** Runs `check`; a refused value is reported against the hook's chain and becomes `fallback`. */
  const checked = <T>(hook: HookpointName, check: () => T, fallback: T): T => {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof PluginOutputError)) throw err;
      faults.outputRefused(hook, () => chainOf(host, hook), err);
      return fallback;
    }
  };
  const message = (hook: HookpointName, out: PluginMessage | null, from: Message["from"]) => {
    if (!out) return null;
    const clean = checked(hook, () => checkMessage(out, `${hook} result`, limits), null);
    return clean ? { ...fromPluginMessage(clean), from } : null;
  };
  return {
    subscribe: async (client, filters) => {
      const out = await host.transform("client.subscribe", { client, filters });
      if (out === null) return [];
      const check = () => checkSubscriptions(out, "client.subscribe result");
      return checked("client.subscribe", check, []);
    },
    unsubscribe: async (client, filters) =>
      (await host.transform("client.unsubscribe", { client, filters })) ?? [], // shape: chain.ts
    connack: async (client, properties) => {
      const out = await host.transform("client.connack", { client, reasonCode: 0, properties });
      if (out === null) return properties;
      const check = () => checkConnackProperties(out, "client.connack result");
      return checked("client.connack", check, properties);
    },
    // A message no plugin changed comes back as the very value sent: the broker's own, unchecked.
    publish: (msg) => {
      if (asPublished?.has(msg)) return msg;
      const event = toPluginMessage(msg);
      return host.transform("message.publish", event)
        .then((out) => out === event ? msg : message("message.publish", out, msg.from));
    },
    deliver: (client, msg) => {
      const event = { client, message: toPluginMessage(msg) };
      return host.transform("message.delivered", event)
        .then((out) => out === event.message ? msg : message("message.delivered", out, msg.from));
    },
  };
}

/**
 * The broker form of a message a plugin published with `ctx.publish`, checked; a refusal is
 * reported and thrown back to the plugin (its `ctx.publish` rejects).
 */
function pluginPublished(m: PluginMessage, limits: MessageLimits, faults: PluginFaults): Message {
  try {
    return fromPluginMessage(checkMessage(m, "ctx.publish message", limits));
  } catch (err) {
    if (err instanceof PluginOutputError) {
      const alias = m?.from?.clientId?.replace(/^\$plugin\//, "") ?? "?";
      faults.outputRefused("ctx.publish", () => [alias], err);
    }
    throw err;
  }
}

/** Aliases of the running plugins that registered `hook` (who may have made a bad result). */
function chainOf(host: PluginHost, hook: HookpointName): string[] {
  return host.status().filter((s) => s.state === "running" && s.hooks.includes(hook))
    .map((s) => s.alias);
}

/** `auth.plugins` and `topic_check.plugins`, read at each guard refresh (a reload changes them). */
function liveGuardLists(config: BrokerConfig): Record<GuardedHook, readonly string[] | null> {
  return {
    get "client.authenticate"() {
      return config.auth.plugins;
    },
    get "client.authorize"() {
      return config.topic_check.plugins;
    },
  };
}
