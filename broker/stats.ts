/**
 * Broker-wide counters ($SYS topics, the admin API and benchmarks read them).
 *
 * @module
 */

/** Counters since start. */
export interface Stats {
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  messagesReceived: number;
  messagesSent: number;
  /** Publishes that matched no subscriber. */
  publishDropped: number;
  /** Deliveries to one subscriber that were dropped (queue full, expired, slow consumer, ...). */
  deliveryDropped: number;
  /** Outbound packets over the client's Maximum Packet Size. */
  tooLargeDropped: number;
  /** Values plugins returned or published that were refused (plugin_output.ts). */
  pluginOutputRefused: number;
  /** Outbound packets the encoder could not frame correctly, never written (Client.send). */
  packetsRefused: number;
  clientsTotal: number;
  clientsMaximum: number;
}

/**
 * Zeroed counters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newStats } from "./stats.ts";
 * assert.ok(newStats().messagesReceived === 0);
 * ```
 */
export function newStats(): Stats {
  return {
    bytesReceived: 0,
    bytesSent: 0,
    packetsReceived: 0,
    messagesReceived: 0,
    messagesSent: 0,
    publishDropped: 0,
    deliveryDropped: 0,
    tooLargeDropped: 0,
    pluginOutputRefused: 0,
    packetsRefused: 0,
    clientsTotal: 0,
    clientsMaximum: 0,
  };
}
