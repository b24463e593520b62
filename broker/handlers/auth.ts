/**
 * AUTH (spec 3.15): a round of MQTT 5 enhanced authentication, before CONNACK or as a
 * re-authentication after it; the exchange lives in `_enhanced_auth.ts`. On MQTT 3.1.1 there is
 * no AUTH packet: packet type 15 is malformed there.
 *
 * @module
 */
import type { IAuthPacket } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { receiveAuth } from "./_enhanced_auth.ts";

/** Handles AUTH: the next round of the client's exchange, or a protocol error. */
export function handleAuth(
  client: ClientConnection,
  packet: IAuthPacket,
  core: BrokerCore,
): void | Promise<void> {
  return receiveAuth(client, packet, core);
}
