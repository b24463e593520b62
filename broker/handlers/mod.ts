/**
 * The packet dispatcher: checks the connection state once, then hands each packet to the handler
 * for its type (one file per packet type).
 *
 * @module
 */
import type { Packet } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { MqttError, ReasonCode } from "../errors.ts";
import { emit } from "../hooks.ts";
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

/** The handler of one packet type: answers on `client`, reaches the broker through `core`. */
export type Handler<P extends Packet> = (
  client: ClientConnection,
  packet: P,
  core: BrokerCore,
) => void | Promise<void>;

/** The decoded packet of type `C`. */
export type PacketOf<C extends Packet["cmd"]> = Extract<Packet, { cmd: C }>;

/** A handler per packet type, each typed for its own packet. */
export type HandlerTable = { [C in Packet["cmd"]]?: Handler<PacketOf<C>> };

/** The packets a client may send once connected, and who handles them. */
const HANDLERS = {
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
} satisfies HandlerTable;

/**
 * Routes one decoded packet. The first packet must be CONNECT and only the first
 * (spec [MQTT-3.1.0-1], [MQTT-3.1.0-2]); packets only a server sends are protocol errors. Every
 * other packet's own fields are checked here, once ({@linkcode checkPacketFields}).
 */
export function dispatch(
  client: ClientConnection,
  packet: Packet,
  core: BrokerCore,
): void | Promise<void> {
  emit(core.hooks, "packet.received", () => ({
    clientId: client.clientId || null,
    type: packet.cmd,
    packet: packet as unknown as Record<string, unknown>,
  }));
  if (packet.cmd === "connect") {
    if (client.state !== "new") {
      throw new MqttError(ReasonCode.ProtocolError, "Second CONNECT on one connection");
    }
    return handleConnect(client, packet, core);
  }
  if (client.state !== "connected") {
    // Enhanced authentication: AUTH answers the broker's AUTH before CONNACK (spec 4.12).
    if (packet.cmd === "auth" && client.state === "connecting") {
      checkPacketFields(packet);
      return handleAuth(client, packet, core);
    }
    throw new MqttError(ReasonCode.ProtocolError, `Expected CONNECT first, got ${packet.cmd}`);
  }
  const handler = handlerOf(packet);
  if (!handler) {
    throw new MqttError(ReasonCode.ProtocolError, `Unexpected ${packet.cmd} from a client`);
  }
  checkPacketFields(packet);
  return handler(client, packet, core);
}

/** The handler for `packet`'s type, typed for that packet (the table pairs them by `cmd`). */
function handlerOf<P extends Packet>(packet: P): Handler<P> | undefined {
  return (HANDLERS as HandlerTable)[packet.cmd] as Handler<P> | undefined;
}
