/**
 * UNSUBSCRIBE (spec 3.10): removes each filter; v5 UNSUBACK says which existed. client.unsubscribe
 * plugins may keep a filter subscribed (answered 0x87 on v5).
 *
 * @module
 */
import type { IUnsubscribePacket } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { ReasonCode } from "../errors.ts";
import { emit } from "../hooks.ts";

/**
 * Handles UNSUBSCRIBE; waits only when a client.unsubscribe plugin is registered. An UNSUBSCRIBE
 * with no filter was refused by the dispatcher (spec [MQTT-3.10.3-2]).
 */
export function handleUnsubscribe(
  client: ClientConnection,
  packet: IUnsubscribePacket,
  core: BrokerCore,
): void | Promise<void> {
  const { hooks } = core;
  const filters = packet.unsubscriptions;
  if (!hooks.has("client.unsubscribe")) return apply(client, packet, filters, core);
  return Promise.resolve(hooks.unsubscribe(client.info(), filters))
    .then((allowed) => apply(client, packet, allowed, core));
}

function apply(
  client: ClientConnection,
  packet: IUnsubscribePacket,
  allowed: string[],
  core: BrokerCore,
): void {
  const codes = packet.unsubscriptions.map((filter) => {
    if (!allowed.includes(filter)) return ReasonCode.NotAuthorized;
    const existed = core.subscriptions.remove(client.session!, filter);
    if (existed) {
      emit(core.hooks, "session.unsubscribed", () => ({ client: client.info(), topic: filter }));
    }
    return existed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted;
  });
  const session = client.session!;
  session.journal.saveSession(session);
  session.journal.afterCommit(() =>
    client.send({
      cmd: "unsuback",
      messageId: packet.messageId,
      granted: client.protocolVersion === 5 ? codes : undefined,
    } as never)
  );
}
