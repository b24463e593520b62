/**
 * Outbound delivery to one session: QoS 0 sent at once (dropped for a slow consumer), QoS 1/2
 * sent within the client's Receive Maximum and queued beyond it or while the client is away,
 * re-sent with DUP on reconnect (spec 4.4), expiry applied on the way out.
 *
 * @module
 */
import type { IPublishPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { isExpired, remainingExpiry } from "../message.ts";
import type { DropReason } from "../message.ts";
import type { InflightMessage, OutboundMessage, Session } from "./session.ts";

/** QoS 0 messages are dropped for a client with more than this many bytes not yet written. */
export const SLOW_CONSUMER_BYTES = 4 * 1024 * 1024;

/** Called when a message is not delivered. */
export type OnDrop = (session: Session, out: OutboundMessage, reason: DropReason) => void;

/**
 * Delivers `out` to `session` through `client` (undefined when the client is away).
 *
 * @example
 * ```ts ignore
 * deliver(session, client, { msg, qos: 1, retain: false }, onDrop);
 * ```
 */
export function deliver(
  session: Session,
  client: Client | undefined,
  out: OutboundMessage,
  onDrop: OnDrop,
): void {
  const online = client !== undefined && client.state === "connected";
  if (out.qos === 0) {
    if (!online) return onDrop(session, out, "qos0_msg");
    if (client.backlogBytes > SLOW_CONSUMER_BYTES) return onDrop(session, out, "slow_consumer");
    return sendOut(client, session, out, onDrop);
  }
  if (online && session.queue.length === 0 && session.inflight.size < client.receiveMaximum) {
    return sendOut(client, session, out, onDrop);
  }
  const victim = session.enqueue(out);
  if (victim) onDrop(session, victim, "queue_full");
}

/** Sends queued messages while the client's receive window has room. */
export function drain(session: Session, client: Client, onDrop: OnDrop): void {
  while (session.queue.length > 0 && client.state === "connected") {
    const next = session.queue[0];
    if (next.qos > 0 && session.inflight.size >= client.receiveMaximum) return;
    session.queue.shift();
    sendOut(client, session, next, onDrop);
  }
  session.releaseWaiters();
}

/** On reconnect: re-sends unacknowledged PUBLISHes with DUP and PUBRELs, then the queue. */
export function resume(session: Session, client: Client, onDrop: OnDrop): void {
  for (const inflight of session.inflight.values()) {
    if (inflight.state === "pubrel") client.send({ cmd: "pubrel", messageId: inflight.packetId });
    else client.send(publishPacket(client, inflight, inflight.packetId, true));
  }
  drain(session, client, onDrop);
}

function sendOut(client: Client, session: Session, out: OutboundMessage, onDrop: OnDrop): void {
  if (isExpired(out.msg, Date.now())) return onDrop(session, out, "expired");
  client.broker.stats.messagesSent++;
  if (out.qos === 0) {
    if (!client.send(publishPacket(client, out, undefined, false))) {
      onDrop(session, out, "too_large");
    }
    return;
  }
  const packetId = session.nextPacketId();
  const inflight: InflightMessage = { ...out, packetId, state: "publish" };
  if (!client.send(publishPacket(client, out, packetId, false))) {
    return onDrop(session, out, "too_large"); // spec 3.1.2.25: discard as if completed
  }
  session.inflight.set(packetId, inflight);
}

/** Builds the PUBLISH for `out`, with v5 expiry, subscription ids and an outbound topic alias. */
export function publishPacket(
  client: Client,
  out: OutboundMessage,
  packetId: number | undefined,
  dup: boolean,
): IPublishPacket {
  const { msg } = out;
  const packet: IPublishPacket = {
    cmd: "publish",
    topic: msg.topic,
    payload: msg.payload,
    qos: out.qos,
    retain: out.retain,
    dup,
    messageId: packetId,
  };
  if (client.protocolVersion !== 5) return packet;
  const properties: IPublishPacket["properties"] = { ...msg.properties };
  const expiry = remainingExpiry(msg, Date.now());
  if (expiry !== undefined) properties.messageExpiryInterval = expiry;
  if (out.subscriptionIds?.length) {
    properties.subscriptionIdentifier = out.subscriptionIds.length === 1
      ? out.subscriptionIds[0]
      : out.subscriptionIds;
  }
  const alias = dup ? undefined : outboundAlias(client, msg.topic);
  if (alias) {
    properties.topicAlias = alias.alias;
    if (alias.known) packet.topic = "";
  }
  packet.properties = properties;
  return packet;
}

function outboundAlias(
  client: Client,
  topic: string,
): { alias: number; known: boolean } | undefined {
  if (client.topicAliasMaximum === 0) return undefined;
  const aliases = client.outboundAliases ??= new Map();
  const existing = aliases.get(topic);
  if (existing) return { alias: existing, known: true };
  if (aliases.size >= client.topicAliasMaximum) return undefined;
  const alias = aliases.size + 1;
  aliases.set(topic, alias);
  return { alias, known: false };
}
