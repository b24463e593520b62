/**
 * Acknowledgements of what the broker sent: PUBACK (QoS 1), PUBREC and PUBCOMP (QoS 2),
 * spec 4.3.
 *
 * @module
 */
import type { IPubackPacket, IPubcompPacket, IPubrecPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ReasonCode } from "../errors.ts";

/** PUBACK: QoS 1 delivery complete. */
export function handlePuback(client: Client, packet: IPubackPacket): void {
  client.broker.completed(client, packet.messageId!);
}

/** PUBREC: answer PUBREL (or, on a v5 error reason, end the exchange). */
export function handlePubrec(client: Client, packet: IPubrecPacket): void {
  const id = packet.messageId!;
  const inflight = client.session!.inflight.get(id);
  if (!inflight) {
    client.send({
      cmd: "pubrel",
      messageId: id,
      reasonCode: client.protocolVersion === 5 ? ReasonCode.PacketIdentifierNotFound : undefined,
    });
    return;
  }
  if ((packet.reasonCode ?? 0) >= 0x80) {
    client.broker.completed(client, id);
    return;
  }
  inflight.state = "pubrel";
  client.send({ cmd: "pubrel", messageId: id });
}

/** PUBCOMP: QoS 2 delivery complete. */
export function handlePubcomp(client: Client, packet: IPubcompPacket): void {
  client.broker.completed(client, packet.messageId!);
}
