/**
 * Acknowledgements of what the broker sent: PUBACK (QoS 1), PUBREC and PUBCOMP (QoS 2),
 * spec 4.3. Each is checked against the state of the message in flight under its packet id: the
 * ack that entry waits for moves it on; an ack of another kind is a protocol error (v5 DISCONNECT
 * 0x82, v3.1.1 close, spec [MQTT-4.8.0-1]) and never completes it, so the message is re-sent when
 * the session resumes ([MQTT-4.4.0-1]). An ack for a packet id not in flight is ignored (PUBREC:
 * answered by PUBREL, v5 with 0x92).
 *
 * @module
 */
import type { IPubackPacket, IPubcompPacket, IPublishPacket, IPubrecPacket } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { MqttError, ReasonCode } from "../errors.ts";
import { emit } from "../hooks.ts";
import type { InflightMessage } from "../session/session.ts";

type Ack = IPubackPacket | IPubrecPacket | IPubcompPacket;

/**
 * The acknowledgement an in-flight entry waits for: PUBACK for QoS 1; PUBREC for QoS 2 until
 * PUBREL is sent, then PUBCOMP (spec 4.3.2, 4.3.3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { awaitedAck } from "./ack.ts";
 * assert.equal(awaitedAck({ qos: 2, state: "pubrel" }), "pubcomp"); // released: awaits PUBCOMP
 * assert.equal(awaitedAck({ qos: 1, state: "publish" }), "puback");
 * ```
 */
export function awaitedAck(entry: Pick<InflightMessage, "qos" | "state">): Ack["cmd"] {
  if (entry.qos === 1) return "puback";
  return entry.state === "publish" ? "pubrec" : "pubcomp";
}

/** PUBACK: QoS 1 delivery complete. */
export function handlePuback(
  client: ClientConnection,
  packet: IPubackPacket,
  core: BrokerCore,
): void {
  done(client, inflightFor(client, packet), core);
}

/** PUBREC: answer PUBREL (or, on a v5 error reason, end the exchange). */
export function handlePubrec(
  client: ClientConnection,
  packet: IPubrecPacket,
  core: BrokerCore,
): void {
  const id = packet.messageId!;
  const inflight = inflightFor(client, packet);
  if (!inflight) {
    client.send({
      cmd: "pubrel",
      messageId: id,
      reasonCode: client.protocolVersion === 5 ? ReasonCode.PacketIdentifierNotFound : undefined,
    });
    return;
  }
  if (inflight.state === "publish" && (packet.reasonCode ?? 0) >= 0x80) {
    return done(client, inflight, core);
  }
  if (inflight.state === "publish") {
    inflight.state = "pubrel"; // from here on the PUBLISH is never re-sent, only the PUBREL
    client.session!.journal.sent(client.session!, inflight);
  }
  // Once "released" is committed: a restarted broker re-sends this PUBREL, never the PUBLISH.
  client.session!.journal.afterCommit(() => client.send({ cmd: "pubrel", messageId: id }));
}

/** PUBCOMP: QoS 2 delivery complete. */
export function handlePubcomp(
  client: ClientConnection,
  packet: IPubcompPacket,
  core: BrokerCore,
): void {
  done(client, inflightFor(client, packet), core);
}

/** The exchange of `entry` is over: it leaves the journal and the session. */
function done(client: ClientConnection, entry: InflightMessage | undefined, core: BrokerCore) {
  if (!entry) return;
  client.session!.journal.removed(client.session!, entry);
  core.completed(client, entry.packetId);
}

/**
 * `message.puback` (EMQX's hookpoint of that name): the broker acknowledged a publisher's QoS 1
 * PUBLISH (PUBACK) or QoS 2 PUBLISH (PUBREC), with the reason code it decided (0, 0x10 no
 * matching subscribers, 0x87 not authorized, ...; a 3.1.1 client is sent none). Called by
 * `publish.ts` when the acknowledgement is sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publisherAcked } from "./ack.ts";
 * const seen: unknown[] = [];
 * const core = { hooks: { has: () => true, notify: (_h: string, e: unknown) => seen.push(e) } };
 * const client = { info: () => ({ clientId: "pub" }), flow: {} };
 * const packet = { cmd: "publish", messageId: 7, topic: "t", qos: 1 } as const;
 * publisherAcked(core as never, client as never, packet as never, 0x10);
 * assert.deepEqual(seen, [{
 *   client: { clientId: "pub" }, packetId: 7, topic: "t", qos: 1, packet: "puback", reasonCode: 0x10,
 * }]);
 * ```
 */
export function publisherAcked(
  core: BrokerCore,
  client: ClientConnection,
  packet: IPublishPacket,
  reasonCode: number,
): void {
  emit(core.hooks, "message.puback", () => {
    const alias = packet.properties?.topicAlias;
    const aliased = alias === undefined ? undefined : client.flow.inboundAliases?.get(alias);
    return {
      client: client.info(),
      packetId: packet.messageId!,
      topic: packet.topic !== "" ? packet.topic : aliased ?? "",
      qos: packet.qos as 1 | 2,
      packet: packet.qos === 1 ? "puback" : "pubrec",
      reasonCode,
    };
  });
}

/**
 * The in-flight entry `ack` answers; undefined when its packet id is not in flight. Throws a
 * protocol error when the entry waits for another kind of ack. A PUBREC repeated after PUBREL
 * is let through: it is answered by the same PUBREL again.
 */
function inflightFor(client: ClientConnection, ack: Ack): InflightMessage | undefined {
  const entry = client.session!.inflight.get(ack.messageId!);
  if (!entry) return undefined;
  const awaited = awaitedAck(entry);
  if (ack.cmd === awaited || (ack.cmd === "pubrec" && awaited === "pubcomp")) return entry;
  throw new MqttError(
    ReasonCode.ProtocolError,
    `${ack.cmd.toUpperCase()} for packet ${ack.messageId}, which waits for ${awaited.toUpperCase()}`,
  );
}
