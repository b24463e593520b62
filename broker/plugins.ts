/**
 * Connects the broker core to the plugin host: starts the host with the configured plugins and
 * services backed by the broker, and adapts it to {@linkcode BrokerHooks}.
 *
 * @module
 */
import { type PluginHost, PluginManager } from "../plugins/host/mod.ts";
import type { BrokerStats, Message as PluginMessage } from "../plugins/sdk/mod.ts";
import type { Broker } from "./broker.ts";
import type { BrokerConfig } from "./config/types.ts";
import type { AuthResult, BrokerHooks } from "./hooks.ts";
import type { Logger } from "./log.ts";
import { fromPluginMessage, toPluginMessage } from "./message.ts";
import { VERSION } from "./version.ts";

/**
 * Starts the plugin host for `broker` and installs its hooks. A plugin that fails to load or start
 * is reported in the log and in `host.status()`; it never stops the broker.
 *
 * @example
 * ```ts ignore
 * const manager = await startPlugins(broker, config, log);
 * console.table(manager.host.status());
 * ```
 */
export async function startPlugins(
  broker: Broker,
  config: BrokerConfig,
  log: Logger,
): Promise<PluginManager> {
  let started: PluginHost | undefined; // plugins may ask for the status while starting
  // The manager merges the YAML map with the runtime state in <data_dir>/plugins/state.json.
  const manager = await PluginManager.open({
    plugins: config.plugins,
    auth: config.auth,
    topicCheck: config.topic_check,
    dataDir: config.data_dir,
    log: log.child({ component: "plugins" }),
    services: {
      publish: (m: PluginMessage) => void broker.publish(fromPluginMessage(m)),
      clients: () => [...broker.clients.values()].map((c) => c.info()),
      retained: (filter: string) => broker.retained.match(filter, Date.now()).map(toPluginMessage),
      stats: () => brokerStats(broker),
      plugins: () => started?.status() ?? [],
    },
  });
  const host = started = manager.host;
  broker.hooks = pluginHooks(host, config);
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
  return manager;
}

/**
 * Adapts a plugin host to the core's hooks. Authentication is always asked (so that an auth plugin
 * that failed to load fails closed); authorization whenever topic checks are enabled.
 */
export function pluginHooks(host: PluginHost, config: BrokerConfig): BrokerHooks {
  const topicCheck = config.topic_check.enable;
  return {
    has: (hook) => hook === "client.authorize" ? topicCheck : host.has(hook),
    authenticate: async (event): Promise<AuthResult> => {
      if (host.has("client.connect")) {
        const pre = await host.decide("client.connect", { client: event.client }, "allow");
        if (pre.result === "deny") {
          return { allow: false, reasonCode: pre.reasonCode, reason: pre.reason };
        }
      }
      const out = await host.authenticate(event);
      return out.result === "allow" ? { allow: true, superuser: out.superuser } : {
        allow: false,
        reasonCode: out.reasonCode,
        reason: out.reason ?? `Denied by ${out.by ?? "default"}`,
      };
    },
    authorize: async (event) => (await host.authorize(event)).result === "allow",
    subscribe: async (client, filters) =>
      (await host.transform("client.subscribe", { client, filters })) ?? [],
    unsubscribe: async (client, filters) =>
      (await host.transform("client.unsubscribe", { client, filters })) ?? [],
    connack: async (client, properties) =>
      (await host.transform("client.connack", { client, reasonCode: 0, properties })) ?? properties,
    publish: async (msg) => {
      const out = await host.transform("message.publish", toPluginMessage(msg));
      return out ? fromPluginMessage(out) : null;
    },
    deliver: async (client, msg) => {
      const out = await host.transform("message.delivered", {
        client,
        message: toPluginMessage(msg),
      });
      return out ? fromPluginMessage(out) : null;
    },
    notify: (hook, event) => host.notify(hook, event),
  };
}

/** The broker's counters and gauges as plain data (`ctx.broker.stats()`). */
export function brokerStats(broker: Broker): BrokerStats {
  const s = broker.stats;
  const connected = broker.clients.size;
  return {
    version: VERSION,
    startedAt: broker.startedAt,
    uptime: Math.floor((Date.now() - broker.startedAt) / 1000),
    clientsConnected: connected,
    clientsDisconnected: Math.max(0, broker.sessions.size - connected),
    clientsTotal: s.clientsTotal,
    clientsMaximum: s.clientsMaximum,
    subscriptions: broker.subscriptions.size,
    retained: broker.retained.size,
    messagesReceived: s.messagesReceived,
    messagesSent: s.messagesSent,
    bytesReceived: s.bytesReceived,
    bytesSent: s.bytesSent,
    packetsReceived: s.packetsReceived,
    publishDropped: s.publishDropped,
    deliveryDropped: s.deliveryDropped,
  };
}
