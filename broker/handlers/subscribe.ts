/**
 * SUBSCRIBE (spec 3.8): filter validation, authorization, SUBACK, then retained messages per
 * Retain Handling.
 *
 * @module
 */
import type { ISubscribePacket, ISubscription } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { MqttError, ReasonCode } from "../errors.ts";
import { emit } from "../hooks.ts";
import type { QoS, SubscriptionOptions } from "../message.ts";
import { SLOW_CONSUMER_BYTES } from "../session/delivery.ts";
import type { Session } from "../session/session.ts";
import { isValidTopicFilter, parseSharedFilter } from "../topics/validate.ts";

/**
 * Handles SUBSCRIBE; waits only when an authorize hook answers asynchronously. A SUBSCRIBE with
 * Subscription Identifier 0 is a protocol error (spec 3.8.2.1.2); packet id, properties and an
 * empty filter list (spec [MQTT-3.8.3-2], 3.1.1 [MQTT-3.8.3-3]) are checked by the dispatcher.
 */
export function handleSubscribe(
  client: ClientConnection,
  packet: ISubscribePacket,
  core: BrokerCore,
): void | Promise<void> {
  const subId = packet.properties?.subscriptionIdentifier as number | undefined;
  if (subId === 0) {
    throw new MqttError(ReasonCode.ProtocolError, "Subscription Identifier 0 is not allowed");
  }
  const checks = packet.subscriptions.map((sub) => check(client, sub, core));
  const rewrite = core.hooks.has("client.subscribe");
  const granted = { messageId: packet.messageId, subId };
  if (!rewrite && !checks.some((c) => c instanceof Promise)) {
    return apply(client, core, granted, packet.subscriptions, checks as number[]);
  }
  return Promise.all(checks).then(async (codes) => {
    const subs = rewrite
      ? await rewriteFilters(client, core, packet.subscriptions, codes)
      : packet.subscriptions;
    apply(client, core, granted, subs, codes);
  });
}

/**
 * Lets client.subscribe plugins rewrite the accepted filters; a filter they remove is refused
 * with 0x87 (its SUBACK slot must still be answered).
 */
async function rewriteFilters(
  client: ClientConnection,
  core: BrokerCore,
  subs: ISubscription[],
  codes: number[],
): Promise<ISubscription[]> {
  const accepted = subs.filter((_, i) => codes[i] === 0);
  const out = await core.hooks.subscribe(
    client.info(),
    accepted.map((s) => ({
      topic: s.topic,
      qos: s.qos,
      noLocal: s.nl,
      retainAsPublished: s.rap,
      retainHandling: s.rh as 0 | 1 | 2 | undefined,
    })),
  );
  const byTopic = new Map(out.map((f) => [f.topic, f]));
  return subs.map((sub, i) => {
    if (codes[i] !== 0) return sub;
    const kept = byTopic.get(sub.topic);
    if (!kept) {
      codes[i] = ReasonCode.NotAuthorized;
      return sub;
    }
    return {
      ...sub,
      qos: kept.qos,
      nl: kept.noLocal,
      rap: kept.retainAsPublished,
      rh: kept.retainHandling,
    };
  });
}

/**
 * The reason code for one filter before it is applied: 0 = fine. Throws (nothing applied yet) for
 * No Local on a shared subscription, a protocol error (spec [MQTT-3.8.3-4]).
 */
function check(
  client: ClientConnection,
  sub: ISubscription,
  core: BrokerCore,
): number | Promise<number> {
  const shared = parseSharedFilter(sub.topic);
  if (shared === undefined || (shared === null && !isValidTopicFilter(sub.topic))) {
    return ReasonCode.TopicFilterInvalid;
  }
  if (shared && sub.nl) {
    // Before anything of this SUBSCRIBE is applied: the whole packet is refused.
    throw new MqttError(ReasonCode.ProtocolError, "No Local on a shared subscription");
  }
  const { hooks } = core;
  if (!hooks.has("client.authorize")) return 0;
  return Promise.resolve(hooks.authorize({
    client: client.info(),
    action: "subscribe",
    topic: sub.topic,
    qos: sub.qos,
    retain: false,
  })).then((ok) => ok ? 0 : ReasonCode.NotAuthorized);
}

/** The SUBACK's packet id, and the Subscription Identifier its filters get. */
interface Granting {
  messageId: number | undefined;
  subId?: number;
}

/** Applies the accepted filters, answers SUBACK, then sends retained messages. */
function apply(
  client: ClientConnection,
  core: BrokerCore,
  { messageId, subId }: Granting,
  subs: ISubscription[],
  codes: number[],
): void {
  const session = client.session!;
  const retained: [string, SubscriptionOptions][] = [];
  const granted = subs.map((sub, i) => {
    if (codes[i] !== 0) return client.protocolVersion === 5 ? codes[i] : 0x80;
    const opts: SubscriptionOptions = {
      qos: sub.qos,
      noLocal: sub.nl === true,
      retainAsPublished: sub.rap === true,
      retainHandling: (sub.rh ?? 0) as 0 | 1 | 2,
      subscriptionId: subId,
    };
    const existed = core.subscriptions.add(session, sub.topic, opts);
    emit(core.hooks, "session.subscribed", () => ({
      client: client.info(),
      topic: sub.topic,
      options: { qos: sub.qos, noLocal: opts.noLocal, retainAsPublished: opts.retainAsPublished },
    }));
    const wantsRetained = opts.retainHandling === 0 || (opts.retainHandling === 1 && !existed);
    if (wantsRetained && !sub.topic.startsWith("$share/")) retained.push([sub.topic, opts]);
    return sub.qos;
  });
  session.journal.saveSession(session);
  session.journal.afterCommit(() => { // once the subscriptions are committed
    client.send({ cmd: "suback", messageId, granted });
    sendRetained(client, session, retained, core);
  });
}

/** Retained messages are sent this many at a time, */
export const RETAINED_SLICE = 256;
/** and the next slice only once the client's write backlog is under this many bytes. */
export const RETAINED_BACKLOG_BYTES = SLOW_CONSUMER_BYTES / 2;

/**
 * Retained messages for the filters that want them (Retain Handling), in filter order, in slices
 * paced by the client's write backlog: QoS 0 ones beyond the slow-consumer limit would be dropped.
 * Stops when the connection closes or the subscription is removed (or replaced).
 */
function sendRetained(
  client: ClientConnection,
  session: Session,
  filters: [string, SubscriptionOptions][],
  core: BrokerCore,
): void {
  const now = core.clock.now();
  const work = filters.map(([filter, opts]) => ({
    filter,
    opts,
    msgs: core.retained.match(filter, now),
    next: 0,
  }));
  const step = (): void => {
    if (client.state !== "connected" || client.session !== session) return;
    if (client.backlogBytes >= RETAINED_BACKLOG_BYTES) return client.onDrained(step);
    let budget = RETAINED_SLICE;
    while (work.length > 0 && budget > 0) {
      const w = work[0];
      if (session.subscriptions.get(w.filter) !== w.opts || w.next >= w.msgs.length) {
        work.shift();
        continue;
      }
      const msg = w.msgs[w.next++];
      budget--;
      core.deliverTo(session, {
        msg,
        qos: Math.min(msg.qos, w.opts.qos) as QoS,
        retain: true,
        subscriptionIds: w.opts.subscriptionId ? [w.opts.subscriptionId] : undefined,
      });
    }
    if (work.length > 0) client.onDrained(step);
  };
  step();
}
