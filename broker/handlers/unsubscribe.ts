/**
 * UNSUBSCRIBE (spec 3.10): removes each filter; v5 UNSUBACK says which existed. client.unsubscribe
 * plugins may keep a filter subscribed (answered 0x87 on v5).
 *
 * @module
 */
import type { IUnsubscribePacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { MqttError, ReasonCode } from "../errors.ts";

/**
 * Handles UNSUBSCRIBE; waits only when a client.unsubscribe plugin is registered. An UNSUBSCRIBE
 * with no filter is a protocol error (spec [MQTT-3.10.3-2]).
 */
export function handleUnsubscribe(
  client: Client,
  packet: IUnsubscribePacket,
): void | Promise<void> {
  if (packet.unsubscriptions.length === 0) {
    throw new MqttError(ReasonCode.ProtocolError, "UNSUBSCRIBE without a topic filter");
  }
  const { hooks } = client.broker;
  if (!hooks.has("client.unsubscribe")) return apply(client, packet, packet.unsubscriptions);
  return Promise.resolve(hooks.unsubscribe(client.info(), packet.unsubscriptions))
    .then((allowed) => apply(client, packet, allowed));
}

function apply(client: Client, packet: IUnsubscribePacket, allowed: string[]): void {
  const { broker } = client;
  const codes = packet.unsubscriptions.map((filter) => {
    if (!allowed.includes(filter)) return ReasonCode.NotAuthorized;
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
