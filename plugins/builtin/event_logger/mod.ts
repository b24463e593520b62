/**
 * `event_logger`: one log line per broker event (aMQTT's `event_logger`): lifecycle, clients
 * connecting and disconnecting, sessions, subscriptions, retained messages, drops and acks.
 * Every hook is a notification, so logging never slows a client down.
 *
 * @example
 * ```yaml
 * plugins:
 *   events: {source: event_logger, config: {level: info, output: stdout, format: json}}
 * ```
 *
 * @module
 */

import { definePlugin, type PluginContext } from "../../sdk/mod.ts";
import { emit, loggerConfig, type LoggerFilters, type OutputConfig, plain } from "./format.ts";

/** Config of `event_logger`. */
export interface EventLoggerConfig extends OutputConfig, LoggerFilters {
  /** Hookpoints to log; empty = all it knows. */
  events: string[];
}

function log(name: string) {
  return (event: unknown, ctx: PluginContext<EventLoggerConfig>): void => {
    const { events, payloads } = ctx.config;
    if (events.length > 0 && !events.includes(name)) return;
    const fields = plain(event, payloads) as Record<string, unknown>;
    const client = fields.client as Record<string, unknown> | undefined;
    if (client) {
      // The useful part of a ClientInfo; the whole of it on every line is noise.
      fields.client = { clientId: client.clientId, username: client.username };
    }
    emit(ctx, name, { event: name, ...fields });
  };
}

/** The `event_logger` plugin. */
export default definePlugin<EventLoggerConfig>({
  name: "event_logger",
  version: "1.0.0",
  description: "Logs broker events (connections, sessions, subscriptions, drops)",
  config: loggerConfig<EventLoggerConfig>("EventLoggerConfig", "info", "events"),
  hooks: {
    "broker.started": log("broker.started"),
    "broker.stopping": log("broker.stopping"),
    "client.connected": log("client.connected"),
    "client.disconnected": log("client.disconnected"),
    "session.created": log("session.created"),
    "session.resumed": log("session.resumed"),
    "session.discarded": log("session.discarded"),
    "session.takenover": log("session.takenover"),
    "session.terminated": log("session.terminated"),
    "session.subscribed": log("session.subscribed"),
    "session.unsubscribed": log("session.unsubscribed"),
    "retained.stored": log("retained.stored"),
    "message.acked": log("message.acked"),
    "message.dropped": log("message.dropped"),
    "delivery.dropped": log("delivery.dropped"),
  },
});
