/**
 * Outbound delivery to one session: QoS 0 sent at once (dropped for a slow consumer), QoS 1/2
 * sent within the client's Receive Maximum and queued beyond it or while the client is away,
 * re-sent with DUP on reconnect (spec 4.4), expiry applied on the way out.
 *
 * @module
 */
import type { IPublishPacket } from "mqtt-packet";
import type { Clock } from "../../lib/clock.ts";
import type { ClientConnection } from "../core_types.ts";
import { isExpired, remainingExpiry } from "../message.ts";
import type { DropReason } from "../message.ts";
import type { Stats } from "../stats.ts";
import type { InflightMessage, OutboundMessage, Session } from "./session.ts";

/** QoS 0 messages are dropped for a client with more than this many bytes not yet written. */
export const SLOW_CONSUMER_BYTES = 4 * 1024 * 1024;

/** Called when a message is not delivered. */
export type OnDrop = (session: Session, out: OutboundMessage, reason: DropReason) => void;

/** What delivery needs from the broker: where drops go, the counter of sends, the clock. */
export interface DeliveryContext {
  onDrop: OnDrop;
  stats: Pick<Stats, "messagesSent">;
  /** Message expiry is read on this clock. */
  clock: Clock;
}

/**
 * Delivers `out` to `session` through `client` (undefined when the client is away).
 *
 * @example
 * ```ts ignore
 * deliver(session, client, { msg, qos: 1, retain: false }, { onDrop, stats, clock });
 * ```
 */
export function deliver(
  session: Session,
  client: ClientConnection | undefined,
  out: OutboundMessage,
  ctx: DeliveryContext,
): void {
  const online = client !== undefined && client.state === "connected";
  if (out.qos === 0) {
    if (!online) return ctx.onDrop(session, out, "qos0_msg");
    if (client.backlogBytes > SLOW_CONSUMER_BYTES) {
      return ctx.onDrop(session, out, "slow_consumer");
    }
    return sendOut(client, session, out, ctx);
  }
  const window = client?.negotiated.receiveMaximum ?? 0;
  if (online && session.queue.length === 0 && session.inflight.size < window) {
    return sendOut(client, session, out, ctx);
  }
  const { journal } = session;
  if (journal.full && session.expiryInterval > 0) {
    journal.refused();
    return ctx.onDrop(session, out, "queue_full"); // the store holds its limit
  }
  const victim = session.enqueue(out);
  if (victim !== out) journal.queued(session, out);
  if (!victim) return;
  journal.removed(session, victim);
  ctx.onDrop(session, victim, "queue_full");
}

/** Sends queued messages while the client's receive window has room. */
export function drain(session: Session, client: ClientConnection, ctx: DeliveryContext): void {
  while (session.queue.length > 0 && client.state === "connected") {
    const next = session.queue[0];
    if (next.qos > 0 && session.inflight.size >= client.negotiated.receiveMaximum) return;
    session.dequeue();
    sendOut(client, session, next, ctx);
  }
  session.releaseWaiters();
}

/** On reconnect: re-sends unacknowledged PUBLISHes with DUP and PUBRELs, then the queue. */
export function resume(session: Session, client: ClientConnection, ctx: DeliveryContext): void {
  const now = ctx.clock.now();
  for (const inflight of session.inflight.values()) {
    if (inflight.state === "pubrel") client.send({ cmd: "pubrel", messageId: inflight.packetId });
    else {client.send(
        publishPacket(client, inflight, { packetId: inflight.packetId, dup: true, now }),
      );}
  }
  drain(session, client, ctx);
}

function sendOut(
  client: ClientConnection,
  session: Session,
  out: OutboundMessage,
  ctx: DeliveryContext,
): void {
  const now = ctx.clock.now();
  if (isExpired(out.msg, now)) {
    session.journal.removed(session, out);
    return ctx.onDrop(session, out, "expired");
  }
  ctx.stats.messagesSent++;
  if (out.qos === 0) {
    if (!client.send(publishPacket(client, out, { dup: false, now }))) {
      ctx.onDrop(session, out, "too_large");
    }
    return;
  }
  const packetId = session.nextPacketId();
  const inflight: InflightMessage = { ...out, packetId, state: "publish" };
  if (!client.send(publishPacket(client, out, { packetId, dup: false, now }))) {
    session.journal.removed(session, out);
    return ctx.onDrop(session, out, "too_large"); // spec 3.1.2.25: discard as if completed
  }
  session.inflight.set(packetId, inflight);
  session.journal.sent(session, inflight);
}

/** How one PUBLISH goes out: its packet id (QoS 1/2), whether it is a re-send, the time. */
export interface PublishSend {
  packetId?: number;
  dup: boolean;
  /** The broker clock's time, for the Message Expiry Interval left. */
  now: number;
}

/**
 * Builds the PUBLISH for `out`, with v5 expiry, subscription ids and an outbound topic alias.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { publishPacket } from "./delivery.ts";
 * const client = { protocolVersion: 5, negotiated: { topicAliasMaximum: 0 }, flow: {} };
 * const msg = { topic: "t", payload: Buffer.from("x"), qos: 1, retain: false, properties: {}, expiresAt: 5_000 } as const;
 * const packet = publishPacket(client as never, { msg, qos: 1, retain: false }, { packetId: 7, dup: false, now: 1_000 });
 * assert.equal(packet.properties?.messageExpiryInterval, 4);
 * assert.equal(packet.messageId, 7);
 * ```
 */
export function publishPacket(
  client: ClientConnection,
  out: OutboundMessage,
  { packetId, dup, now }: PublishSend,
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
  const expiry = remainingExpiry(msg, now);
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
  client: ClientConnection,
  topic: string,
): { alias: number; known: boolean } | undefined {
  const maximum = client.negotiated.topicAliasMaximum;
  if (maximum === 0) return undefined;
  const aliases = client.flow.outboundAliases ??= new Map();
  const existing = aliases.get(topic);
  if (existing) return { alias: existing, known: true };
  if (aliases.size >= maximum) return undefined;
  const alias = aliases.size + 1;
  aliases.set(topic, alias);
  return { alias, known: false };
}
