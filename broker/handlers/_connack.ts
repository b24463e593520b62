/**
 * The CONNACK: what every CONNECT step works on ({@linkcode ConnectFlow}), the accepting CONNACK
 * fitted to the client's Maximum Packet Size, and the refusing one.
 *
 * @module
 */
import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import type { BrokerCore, ClientConnection, Negotiated } from "../core_types.ts";
import { connackReturnCodeV3, ConnectRefused, ReasonCode } from "../errors.ts";
import { fitPacket } from "../packet_fit.ts";

/** The CONNACK being built. */
export interface Connack {
  sessionPresent: boolean;
  properties: NonNullable<IConnackPacket["properties"]>;
}

/** What every CONNECT step works on. */
export interface ConnectFlow {
  client: ClientConnection;
  packet: IConnectPacket;
  core: BrokerCore;
  /** What the CONNECT settled so far: the connection's `negotiated`, written by the steps. */
  terms: Negotiated;
  connack: Connack;
  /** Enhanced authentication waits for the client's AUTH: the steps stop until it resumes them. */
  paused?: boolean;
}

/** One step of the CONNECT flow; a refusal is thrown as {@linkcode ConnectRefused}. */
export type ConnectStep = (flow: ConnectFlow) => void | Promise<void>;

/**
 * Sends a refusing CONNACK (v3 return code or v5 reason code) and closes; a v3 client whose
 * CONNECT was malformed gets no CONNACK (spec [MQTT-3.1.4-1]). A malformed second CONNECT on a
 * connected client gets the DISCONNECT of any other malformed packet, never a second CONNACK.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectRefused } from "../errors.ts";
 * import { refuse } from "./_connack.ts";
 * const sent: unknown[] = [];
 * const client = {
 *   state: "new",
 *   protocolVersion: 4,
 *   log: { info: () => {} },
 *   enter: () => {},
 *   send: (p: unknown) => sent.push(p),
 *   disconnect: () => {},
 * };
 * refuse(client as never, new ConnectRefused(0x87, "Not authorized"));
 * assert.deepEqual(sent, [{ cmd: "connack", sessionPresent: false, returnCode: 5 }]);
 * ```
 */
export function refuse(client: ClientConnection, err: ConnectRefused): void {
  client.log.info("Connection refused", {
    clientId: client.clientId || undefined,
    reasonCode: err.reasonCode,
    reason: err.message,
  });
  if (client.state === "connected") return client.disconnect(err.reasonCode, err.message);
  const returnCode = connackReturnCodeV3(err.reasonCode);
  client.enter("connecting");
  if (client.protocolVersion === 5) {
    client.send({
      cmd: "connack",
      sessionPresent: false,
      reasonCode: err.reasonCode,
      properties: client.problemInfo(err.message) ? { reasonString: err.message } : undefined,
    });
  } else if (returnCode !== undefined) {
    client.send({ cmd: "connack", sessionPresent: false, returnCode });
  }
  client.disconnect(err.reasonCode);
}

/**
 * Refuses early (0x95, before any session is touched) a CONNECT whose CONNACK cannot fit the
 * client's Maximum Packet Size even without every property that may be left out.
 */
export function checkConnackFits({ terms, connack }: ConnectFlow): void {
  fittedConnack(terms, connack);
}

/** Sends the CONNACK; the connection is connected from here (keep alive starts). */
export function sendConnack({ client, core, terms, connack }: ConnectFlow): void {
  client.send(fittedConnack(terms, connack));
  if (client.state === "closed") return;
  client.enter("connected");
  core.log.debug("Client connected", {
    clientId: terms.clientId,
    protocol: terms.protocolVersion,
  });
}

/** The accepting MQTT 3.1 / 3.1.1 CONNACKs (Session Present 0, 1): made once, never changed. */
const ACCEPTED_V3: readonly IConnackPacket[] = [false, true].map((sessionPresent) =>
  Object.freeze({ cmd: "connack", sessionPresent, returnCode: 0 }) as IConnackPacket
);

/**
 * The CONNACK to send, within the client's Maximum Packet Size: optional properties are left out
 * until it fits (`packet_fit.ts`); what the client must be told (an Assigned Client Identifier, a
 * Server Keep Alive) never is, and when that cannot fit the CONNECT is refused with 0x95.
 */
function fittedConnack(terms: Negotiated, connack: Connack): IConnackPacket {
  const { protocolVersion, maxPacketSize } = terms;
  // MQTT 3.1 has no Session Present flag: the CONNACK's first byte is reserved (0).
  const sessionPresent = protocolVersion !== 3 && connack.sessionPresent;
  if (protocolVersion !== 5) return ACCEPTED_V3[sessionPresent ? 1 : 0]; // 4 bytes: always fits
  const packet: IConnackPacket = {
    cmd: "connack",
    sessionPresent,
    reasonCode: 0,
    properties: connack.properties,
  };
  if (maxPacketSize === Infinity) return packet;
  const fitted = fitPacket(packet, protocolVersion, maxPacketSize);
  if (fitted) return fitted.packet;
  throw new ConnectRefused(
    ReasonCode.PacketTooLarge,
    `The CONNACK cannot fit the client's Maximum Packet Size of ${maxPacketSize} bytes`,
  );
}
