/**
 * `packet_logger`: one log line per MQTT packet received or sent (aMQTT's `packet_logger_plugin`),
 * at `debug` by default. Meant for troubleshooting: every packet crosses into the plugin.
 *
 * @example
 * ```yaml
 * log: {level: debug}
 * plugins:
 *   packets: {source: packet_logger, config: {types: [connect, publish, subscribe]}}
 * ```
 *
 * @module
 */

import { definePlugin, type PacketEvent, type PluginContext } from "../../sdk/mod.ts";
import {
  emit,
  loggerConfig,
  type LoggerFilters,
  type OutputConfig,
  plain,
} from "../event_logger/format.ts";

/** Config of `packet_logger`. */
export interface PacketLoggerConfig extends OutputConfig, LoggerFilters {
  /** Packet types to log (`connect`, `publish`, `suback`, ...); empty = all. */
  types: string[];
}

function log(direction: "in" | "out") {
  return (e: PacketEvent, ctx: PluginContext<PacketLoggerConfig>): void => {
    const { types, payloads } = ctx.config;
    if (types.length > 0 && !types.includes(e.type)) return;
    const packet = plain(e.packet, payloads) as Record<string, unknown>;
    if (e.type === "connect" && "password" in packet) packet.password = "***";
    emit(ctx, direction === "in" ? "packet received" : "packet sent", {
      direction,
      // A CONNECT is logged before the broker knows the id: take the one it carries.
      clientId: e.clientId ?? (e.type === "connect" ? packet.clientId ?? null : null),
      type: e.type,
      packet,
    });
  };
}

/** The `packet_logger` plugin. */
export default definePlugin<PacketLoggerConfig>({
  name: "packet_logger",
  version: "1.0.0",
  description: "Logs every MQTT packet received and sent",
  config: loggerConfig<PacketLoggerConfig>("PacketLoggerConfig", "debug", "types"),
  hooks: {
    "packet.received": log("in"),
    "packet.sent": log("out"),
  },
});
