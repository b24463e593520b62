/**
 * DISCONNECT from the client (spec 3.14): a normal disconnect discards the will unless v5
 * reason 0x04 asks for it; v5 may shorten or lengthen the session expiry, but not from 0.
 *
 * @module
 */
import type { IDisconnectPacket } from "mqtt-packet";
import type { ClientConnection } from "../core_types.ts";
import { MqttError, ReasonCode } from "../errors.ts";

const DISCONNECT_WITH_WILL = 0x04;

/** Ends the connection at the client's request. */
export function handleDisconnect(client: ClientConnection, packet: IDisconnectPacket): void {
  const expiry = packet.properties?.sessionExpiryInterval;
  if (expiry !== undefined && client.session) {
    // What the CONNECT asked for decides, not the broker's cap of it (spec 3.14.2.2.2).
    if (client.negotiated.askedSessionExpiry === 0 && expiry !== 0) {
      throw new MqttError(
        ReasonCode.ProtocolError,
        "Session expiry set on DISCONNECT after 0 at CONNECT",
      );
    }
    client.session.expiryInterval = expiry;
  }
  // With the will (0x04) the end is no different from a dropped connection.
  client.close(packet.reasonCode === DISCONNECT_WITH_WILL ? undefined : "normal");
}
