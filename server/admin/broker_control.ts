/**
 * The few changes the operator may make to a running broker from the admin API: disconnect a
 * client, clear a retained message, and where a browser reaches the MQTT listeners. Everything
 * else the API reads goes through the read-only view. The assembly (`server/server.ts`) builds it
 * and hands it to the admin listener as `AdminDeps.control`; routes read it as `ctx.control`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Broker } from "../../broker/broker.ts";
import { ReasonCode } from "../../broker/errors.ts";
import type { Listener } from "../../broker/transport/connection.ts";
import type { BrokerConfig } from "../config/types.ts";

/** One MQTT listener as a browser would reach it. */
export interface ListenerInfo {
  /** Its name under `listeners:`. */
  name: string;
  /** `tcp`, `tls`, `ws` or `wss`. */
  transport: string;
  /** The bound address (`0.0.0.0` / `::` for every interface). */
  hostname: string;
  /** The bound port. */
  port: number;
  /** The HTTP path of a WebSocket listener (absent for tcp and tls). */
  path?: string;
}

/** What the operator may change. */
export interface BrokerControl {
  /** Disconnects a connected client (v5: DISCONNECT 0x98); false when no client has that id. */
  kick(clientId: string): boolean;
  /**
   * Clears the retained message of `topic` as an empty retained PUBLISH would (cluster-wide,
   * persisted; current subscribers receive the empty message); false when none is retained.
   */
  clearRetained(topic: string): Promise<boolean>;
  /** The listeners that are up. */
  listeners(): ListenerInfo[];
}

/**
 * The control of `broker`, with the listeners as configured (`config.listeners`, for the
 * WebSocket paths) and as running (`running`, for the real ports).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Broker } from "../../broker/broker.ts";
 * import { parseConfig } from "../config/mod.ts";
 * import { brokerControl } from "./broker_control.ts";
 * const config = parseConfig("", "empty.yaml");
 * const broker = new Broker(config);
 * const control = brokerControl(broker, config, new Map());
 * assert.equal(control.kick("nobody"), false);
 * assert.equal(await control.clearRetained("a/b"), false);
 * await broker.close();
 * ```
 */
export function brokerControl(
  broker: Broker,
  config: Pick<BrokerConfig, "listeners">,
  running: ReadonlyMap<string, Listener>,
): BrokerControl {
  return {
    kick(clientId) {
      const client = broker.clients.get(clientId);
      if (!client) return false;
      client.disconnect(ReasonCode.AdministrativeAction, "Disconnected by the operator");
      return true;
    },
    async clearRetained(topic) {
      if (broker.retained.match(topic, broker.clock.now()).length === 0) return false;
      const empty = Buffer.alloc(0);
      await broker.publish({ topic, payload: empty, qos: 0, retain: true, properties: {} });
      return true;
    },
    listeners: () =>
      [...running.values()].map((l) => {
        const ws = l.transport === "ws" || l.transport === "wss";
        const info: ListenerInfo = {
          name: l.name,
          transport: l.transport,
          hostname: l.hostname,
          port: l.port,
        };
        if (ws) info.path = config.listeners[l.name]?.path || "/mqtt";
        return info;
      }),
  };
}
