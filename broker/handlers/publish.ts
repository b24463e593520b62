/**
 * PUBLISH from a client (spec 3.3): topic alias resolution, validation, Receive Maximum,
 * exactly-once for QoS 2, authorization, routing and the acknowledgement.
 *
 * @module
 */
import type { IPublishPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { MqttError, ReasonCode } from "../errors.ts";
import type { Message } from "../message.ts";
import type { Session } from "../session/session.ts";
import { isValidTopicName } from "../topics/validate.ts";

/**
 * Handles an inbound PUBLISH. Validation runs at once, in order. With no hooks, routing and the
 * acknowledgement follow synchronously. When hooks answer asynchronously (authorize, then
 * message.publish), the PUBLISH joins the client's ordered pipeline: many are prepared at once,
 * and each is routed and acknowledged in arrival order ({@linkcode Client.pipeline}).
 */
export function handlePublish(client: Client, packet: IPublishPacket): void | Promise<void> {
  const topic = resolveTopic(client, packet);
  const { mqtt } = client.broker.config;
  if (packet.retain && !mqtt.retain_available) {
    throw new MqttError(ReasonCode.RetainNotSupported, "Retained messages are not supported");
  }
  const session = client.session!;
  if (packet.qos === 2) {
    if (session.inboundQos2.has(packet.messageId!)) {
      client.send({ cmd: "pubrec", messageId: packet.messageId }); // DUP re-send: not delivered twice
      return;
    }
    session.inboundQos2.add(packet.messageId!); // before any await: a re-send meanwhile is a DUP
  }
  if (packet.qos > 0 && ++client.inflightIn > mqtt.receive_maximum) {
    throw new MqttError(ReasonCode.ReceiveMaximumExceeded, "Receive Maximum exceeded");
  }
  if (topic.startsWith("$SYS/")) {
    // $SYS belongs to the broker (spec 4.7.2): refused like any unauthorized publish.
    return acknowledge(client, packet, ReasonCode.NotAuthorized);
  }
  const prepared = prepare(client, packet, toMessage(client, packet, topic));
  if (!(prepared instanceof Promise)) return commit(client, packet, prepared);
  return client.pipeline(prepared.then((outcome) => () => commit(client, packet, outcome)));
}

/** What the hooks decided: the message to route, or a refusal code. */
type Outcome = { msg: Message | null; refused?: number };

/** Runs client.authorize and message.publish; synchronous when neither is registered. */
function prepare(client: Client, packet: IPublishPacket, msg: Message): Outcome | Promise<Outcome> {
  const { hooks } = client.broker;
  const transform = (): Outcome | Promise<Outcome> =>
    hooks.has("message.publish")
      ? Promise.resolve(hooks.publish(msg)).then((out) => ({ msg: out }))
      : { msg };
  if (!hooks.has("client.authorize")) return transform();
  return Promise.resolve(hooks.authorize({
    client: client.info(),
    action: "publish",
    topic: msg.topic,
    qos: packet.qos,
    retain: packet.retain,
  })).then((allowed) => {
    if (allowed) return transform();
    client.log.info("Publish not authorized", { topic: msg.topic });
    return { msg: null, refused: ReasonCode.NotAuthorized };
  });
}

/** Routes and acknowledges, in arrival order; may slow the publisher down (flow control). */
function commit(client: Client, packet: IPublishPacket, outcome: Outcome): void | Promise<void> {
  if (outcome.refused !== undefined) return acknowledge(client, packet, outcome.refused);
  const { broker } = client;
  broker.stats.messagesReceived++;
  const congested: Session[] = [];
  const n = outcome.msg ? broker.route(outcome.msg, congested) : 0;
  acknowledge(client, packet, n === 0 ? ReasonCode.NoMatchingSubscribers : 0);
  return congested.length > 0 ? slowDown(congested) : undefined;
}

/** How long one PUBLISH may hold its publisher back while subscribers catch up. */
const MAX_SLOWDOWN_MS = 1000;

/**
 * Flow control: the publisher's next packet is read only once congested subscribers have room
 * (or after {@linkcode MAX_SLOWDOWN_MS}), so a fast QoS 1/2 publisher paces itself to its
 * subscribers instead of overflowing their queues. TCP carries the pressure back to the client.
 */
function slowDown(congested: Session[]): Promise<void> {
  return Promise.all(congested.map((s) => s.waitForRoom(MAX_SLOWDOWN_MS))).then(() => {});
}

/**
 * PUBACK (QoS 1) or PUBREC (QoS 2) with a v5 reason code. On 3.1.1 a refused publish is
 * acknowledged as if it succeeded (the protocol has no way to say no).
 */
function acknowledge(client: Client, packet: IPublishPacket, reasonCode: number): void {
  if (packet.qos === 0) return;
  const id = packet.messageId!;
  const v5 = client.protocolVersion === 5;
  const failed = reasonCode >= 0x80;
  if (packet.qos === 1) {
    client.inflightIn--;
    client.send({ cmd: "puback", messageId: id, reasonCode: v5 ? reasonCode : undefined });
    return;
  }
  if (failed && v5) {
    // a failed PUBREC ends the exchange
    client.inflightIn--;
    client.session!.inboundQos2.delete(id);
  }
  client.send({ cmd: "pubrec", messageId: id, reasonCode: v5 ? reasonCode : undefined });
}

/** Applies and records v5 topic aliases (spec 3.3.2.3.4). */
function resolveTopic(client: Client, packet: IPublishPacket): string {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) {
    if (!isValidTopicName(packet.topic)) {
      throw new MqttError(ReasonCode.TopicNameInvalid, `Topic name "${packet.topic}" is not valid`);
    }
    return packet.topic;
  }
  if (alias === 0 || alias > client.broker.config.mqtt.topic_alias_maximum) {
    throw new MqttError(ReasonCode.TopicAliasInvalid, `Topic alias ${alias} is out of range`);
  }
  if (packet.topic === "") {
    const known = client.inboundAliases?.get(alias);
    if (known === undefined) {
      throw new MqttError(ReasonCode.ProtocolError, `Topic alias ${alias} was never set`);
    }
    return known;
  }
  if (!isValidTopicName(packet.topic)) {
    throw new MqttError(ReasonCode.TopicNameInvalid, `Topic name "${packet.topic}" is not valid`);
  }
  (client.inboundAliases ??= new Map()).set(alias, packet.topic);
  return packet.topic;
}

function toMessage(client: Client, packet: IPublishPacket, topic: string): Message {
  const props = packet.properties;
  const msg: Message = {
    topic,
    payload: packet.payload as Message["payload"],
    qos: packet.qos,
    retain: packet.retain,
    properties: {},
    from: { clientId: client.clientId, username: client.username },
  };
  if (props) {
    const { topicAlias: _a, subscriptionIdentifier: _s, messageExpiryInterval, ...rest } = props;
    msg.properties = rest;
    if (messageExpiryInterval !== undefined) {
      msg.expiresAt = Date.now() + messageExpiryInterval * 1000;
    }
  }
  return msg;
}
