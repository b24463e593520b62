/**
 * SUBSCRIBE (spec 3.8): filter validation, authorization, SUBACK, then retained messages per
 * Retain Handling.
 *
 * @module
 */
import type { ISubscribePacket, ISubscription } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ReasonCode } from "../errors.ts";
import type { QoS, SubscriptionOptions } from "../message.ts";
import { isValidTopicFilter, parseSharedFilter } from "../topics/validate.ts";

/** Handles SUBSCRIBE; waits only when an authorize hook answers asynchronously. */
export function handleSubscribe(client: Client, packet: ISubscribePacket): void | Promise<void> {
  const subId = packet.properties?.subscriptionIdentifier as number | undefined;
  const checks = packet.subscriptions.map((sub) => check(client, sub));
  if (!checks.some((c) => c instanceof Promise)) {
    return apply(client, packet, checks as number[], subId);
  }
  return Promise.all(checks).then((codes) => apply(client, packet, codes, subId));
}

/** The reason code for one filter before it is applied: 0 = fine. */
function check(client: Client, sub: ISubscription): number | Promise<number> {
  const shared = parseSharedFilter(sub.topic);
  if (shared === undefined || (shared === null && !isValidTopicFilter(sub.topic))) {
    return ReasonCode.TopicFilterInvalid;
  }
  if (shared && sub.nl) return ReasonCode.TopicFilterInvalid; // spec [MQTT-3.8.3-4]
  const { hooks } = client.broker;
  if (!hooks.has("client.authorize")) return 0;
  return Promise.resolve(hooks.authorize({
    client: client.info(),
    action: "subscribe",
    topic: sub.topic,
    qos: sub.qos,
    retain: false,
  })).then((ok) => ok ? 0 : ReasonCode.NotAuthorized);
}

function apply(client: Client, packet: ISubscribePacket, codes: number[], subId?: number): void {
  const { broker } = client;
  const session = client.session!;
  const retained: [string, SubscriptionOptions][] = [];
  const granted = packet.subscriptions.map((sub, i) => {
    if (codes[i] !== 0) return client.protocolVersion === 5 ? codes[i] : 0x80;
    const opts: SubscriptionOptions = {
      qos: sub.qos,
      noLocal: sub.nl === true,
      retainAsPublished: sub.rap === true,
      retainHandling: (sub.rh ?? 0) as 0 | 1 | 2,
      subscriptionId: subId,
    };
    const existed = broker.subscriptions.add(session, sub.topic, opts);
    if (broker.hooks.has("session.subscribed")) {
      broker.hooks.notify("session.subscribed", {
        client: client.info(),
        topic: sub.topic,
        options: { qos: sub.qos, noLocal: opts.noLocal, retainAsPublished: opts.retainAsPublished },
      });
    }
    const wantsRetained = opts.retainHandling === 0 || (opts.retainHandling === 1 && !existed);
    if (wantsRetained && !sub.topic.startsWith("$share/")) retained.push([sub.topic, opts]);
    return sub.qos;
  });
  client.send({ cmd: "suback", messageId: packet.messageId, granted });
  const now = Date.now();
  for (const [filter, opts] of retained) {
    for (const msg of broker.retained.match(filter, now)) {
      broker.deliverTo(session, {
        msg,
        qos: Math.min(msg.qos, opts.qos) as QoS,
        retain: true,
        subscriptionIds: opts.subscriptionId ? [opts.subscriptionId] : undefined,
      });
    }
  }
}
