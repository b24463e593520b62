/**
 * UNSUBSCRIBE (spec 3.10): removes each filter; v5 UNSUBACK says which existed.
 *
 * @module
 */
import type { IUnsubscribePacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ReasonCode } from "../errors.ts";

/** Handles UNSUBSCRIBE. */
export function handleUnsubscribe(client: Client, packet: IUnsubscribePacket): void {
  const { broker } = client;
  const codes = packet.unsubscriptions.map((filter) => {
    const existed = broker.subscriptions.remove(client.session!, filter);
    if (existed && broker.hooks.has("session.unsubscribed")) {
      broker.hooks.notify("session.unsubscribed", { client: client.info(), topic: filter });
    }
    return existed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted;
  });
  client.send({
    cmd: "unsuback",
    messageId: packet.messageId,
    granted: client.protocolVersion === 5 ? codes : undefined,
  } as never);
}
