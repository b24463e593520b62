/**
 * The packet dispatcher: checks the connection state once, then hands each packet to the handler
 * for its type (one file per packet type).
 *
 * @module
 */
import type { Packet } from "mqtt-packet";
import type { Client } from "../client.ts";
import { MqttError, ReasonCode } from "../errors.ts";
import { handleConnect } from "./connect.ts";
import { handleDisconnect } from "./disconnect.ts";
import { handlePingreq } from "./pingreq.ts";
import { handlePuback, handlePubcomp, handlePubrec } from "./ack.ts";
import { handlePublish } from "./publish.ts";
import { handlePubrel } from "./pubrel.ts";
import { handleSubscribe } from "./subscribe.ts";
import { handleUnsubscribe } from "./unsubscribe.ts";
import { handleAuth } from "./auth.ts";
import { checkPacketFields } from "./packet_fields.ts";

type Handler<P> = (client: Client, packet: P) => void | Promise<void>;

// deno-lint-ignore no-explicit-any
const handlers: Partial<Record<Packet["cmd"], Handler<any>>> = {
  publish: handlePublish,
  puback: handlePuback,
  pubrec: handlePubrec,
  pubrel: handlePubrel,
  pubcomp: handlePubcomp,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  pingreq: handlePingreq,
  disconnect: handleDisconnect,
  auth: handleAuth,
};

/**
 * Routes one decoded packet. The first packet must be CONNECT and only the first
 * (spec [MQTT-3.1.0-1], [MQTT-3.1.0-2]); packets only a server sends are protocol errors. Every
 * other packet's own fields are checked here, once ({@linkcode checkPacketFields}).
 */
export function dispatch(client: Client, packet: Packet): void | Promise<void> {
  if (client.broker.hooks.has("packet.received")) {
    client.broker.hooks.notify("packet.received", {
      clientId: client.clientId || null,
      type: packet.cmd,
      packet: packet as unknown as Record<string, unknown>,
    });
  }
  if (packet.cmd === "connect") {
    if (client.state !== "new") {
      throw new MqttError(ReasonCode.ProtocolError, "Second CONNECT on one connection");
    }
    return handleConnect(client, packet);
  }
  if (client.state !== "connected") {
    throw new MqttError(ReasonCode.ProtocolError, `Expected CONNECT first, got ${packet.cmd}`);
  }
  const handler = handlers[packet.cmd];
  if (!handler) {
    throw new MqttError(ReasonCode.ProtocolError, `Unexpected ${packet.cmd} from a client`);
  }
  checkPacketFields(packet);
  return handler(client, packet);
}
