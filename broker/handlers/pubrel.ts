/**
 * PUBREL from a client (spec 3.6): releases an inbound QoS 2 packet id; an unknown id gets
 * PUBCOMP 0x92 on v5 and the connection stays open.
 *
 * @module
 */
import type { IPubrelPacket } from "mqtt-packet";
import type { ClientConnection } from "../core_types.ts";
import { ReasonCode } from "../errors.ts";

/** Handles PUBREL: answers PUBCOMP once the release is committed. */
export function handlePubrel(client: ClientConnection, packet: IPubrelPacket): void {
  const id = packet.messageId!;
  const session = client.session!;
  const known = session.inboundQos2.delete(id);
  if (known) {
    client.flow.inflightIn = Math.max(0, client.flow.inflightIn - 1);
    session.journal.inbound(session, id, false);
  }
  const v5 = client.protocolVersion === 5;
  // Sent once the release is committed: a restarted broker must not hold the id any more.
  session.journal.afterCommit(() =>
    client.send({
      cmd: "pubcomp",
      messageId: id,
      reasonCode: v5 ? (known ? 0 : ReasonCode.PacketIdentifierNotFound) : undefined,
    })
  );
}
