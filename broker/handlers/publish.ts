/**
 * PUBLISH from a client (spec 3.3): topic alias resolution, validation, Receive Maximum,
 * exactly-once for QoS 2, authorization, then the broker's one publish path (message.publish and
 * routing, `BrokerCore.admit`) and the acknowledgement.
 *
 * @module
 */
import type { IPublishPacket } from "mqtt-packet";
import type { Clock } from "../../lib/clock.ts";
import type { Admitted, BrokerCore, ClientConnection, RoomWaiter } from "../core_types.ts";
import { MqttError, ReasonCode } from "../errors.ts";
import type { Message } from "../message.ts";
import { isValidTopicName } from "../topics/validate.ts";
import { publisherAcked } from "./ack.ts";

/**
 * Handles an inbound PUBLISH. Validation runs at once, in order. With no hooks, routing and the
 * acknowledgement follow synchronously. When hooks answer asynchronously (authorize, then
 * message.publish), the PUBLISH joins the client's ordered pipeline: many are prepared at once,
 * and each is routed and acknowledged in arrival order ({@linkcode Client.pipeline}).
 */
export function handlePublish(
  client: ClientConnection,
  packet: IPublishPacket,
  core: BrokerCore,
): void | Promise<void> {
  const { mqtt } = core.config;
  const topic = resolveTopic(client, packet, mqtt.topic_alias_maximum);
  if (packet.retain && !mqtt.retain_available) {
    throw new MqttError(ReasonCode.RetainNotSupported, "Retained messages are not supported");
  }
  const session = client.session!;
  if (packet.qos === 2) {
    const id = packet.messageId!;
    if (session.inboundQos2.has(id)) {
      // DUP re-send: not delivered twice
      session.journal.afterCommit(() => client.send({ cmd: "pubrec", messageId: id }));
      return;
    }
    session.inboundQos2.add(id); // before any await: a re-send meanwhile is a DUP
    session.journal.inbound(session, id, true);
  }
  if (packet.qos > 0 && ++client.flow.inflightIn > mqtt.receive_maximum) {
    throw new MqttError(ReasonCode.ReceiveMaximumExceeded, "Receive Maximum exceeded");
  }
  if (topic.startsWith("$SYS/")) {
    // $SYS belongs to the broker (spec 4.7.2): refused like any unauthorized publish.
    return acknowledge(client, packet, ReasonCode.NotAuthorized, core);
  }
  const msg = toMessage(client, packet, topic, core.clock.now());
  const prepared = prepare(client, packet, msg, core);
  if (!(prepared instanceof Promise)) return commit(client, packet, prepared, core);
  return client.pipeline(prepared.then((outcome) => () => commit(client, packet, outcome, core)));
}

/** What the hooks decided: the admitted message, ready to route, or a refusal code. */
type Outcome = { admitted: Admitted } | { refused: number };

/** Runs client.authorize, then admits; synchronous when no hook is registered. */
function prepare(
  client: ClientConnection,
  packet: IPublishPacket,
  msg: Message,
  core: BrokerCore,
): Outcome | Promise<Outcome> {
  const { hooks } = core;
  const admit = (): Outcome | Promise<Outcome> => {
    const admitted = core.admit(msg);
    return admitted instanceof Promise ? admitted.then((a) => ({ admitted: a })) : { admitted };
  };
  if (!hooks.has("client.authorize")) return admit();
  return Promise.resolve(hooks.authorize({
    client: client.info(),
    action: "publish",
    topic: msg.topic,
    qos: packet.qos,
    retain: packet.retain,
  })).then((allowed) => {
    if (allowed) return admit();
    client.log.info("Publish not authorized", { topic: msg.topic });
    return { refused: ReasonCode.NotAuthorized };
  });
}

/**
 * Routes and acknowledges, in arrival order. When an online subscriber's queue has no room, the
 * message waits before it is routed (flow control, {@linkcode holdBack}).
 */
function commit(
  client: ClientConnection,
  packet: IPublishPacket,
  outcome: Outcome,
  core: BrokerCore,
): void | Promise<void> {
  if ("refused" in outcome) return acknowledge(client, packet, outcome.refused, core);
  const full: RoomWaiter[] = [];
  const reached = outcome.admitted(full);
  if (reached < 0) {
    return holdBack(full, core.clock, client.clientId).then(() =>
      commit(client, packet, outcome, core)
    );
  }
  acknowledge(client, packet, reached === 0 ? ReasonCode.NoMatchingSubscribers : 0, core);
}

/** How long a held PUBLISH waits before it looks again whether its subscribers have room. */
const HOLD_SLICE_MS = 1000;

/**
 * Flow control: a PUBLISH that a subscriber's full queue cannot take is neither routed nor
 * acknowledged until there is room, and the publisher's next packet is not read meanwhile: its
 * PUBACKs stop, its Receive Maximum window fills, TCP carries the pressure back to it. Waiting
 * publishers are woken first come first served as the queue drains; each wait lasts at most
 * {@linkcode HOLD_SLICE_MS}, then the message is routed again (a subscriber gone, or stuck past
 * its patience, holds no one: its queue drops and counts instead).
 */
function holdBack(full: RoomWaiter[], clock: Clock, publisher: string): Promise<unknown> {
  if (full.length === 1) return full[0].waitForRoom(HOLD_SLICE_MS, clock, publisher);
  return Promise.all(full.map((s) => s.waitForRoom(HOLD_SLICE_MS, clock, publisher)));
}

/**
 * PUBACK (QoS 1) or PUBREC (QoS 2) with a v5 reason code, sent once what it acknowledges is
 * committed to the durable store (at once without one) and, in a cluster, once NATS has it. On
 * 3.1.1 a refused publish is acknowledged as if it succeeded (the protocol has no way to say no).
 */
function acknowledge(
  client: ClientConnection,
  packet: IPublishPacket,
  reasonCode: number,
  core: BrokerCore,
): void {
  if (packet.qos === 0) return;
  const ack = () => {
    sendAck(client, packet, reasonCode);
    publisherAcked(core, client, packet, reasonCode); // message.puback
  };
  const forwarded = core.afterForwarded;
  client.session!.journal.afterCommit(forwarded ? () => forwarded.call(core, ack) : ack);
}

function sendAck(client: ClientConnection, packet: IPublishPacket, reasonCode: number): void {
  const id = packet.messageId!;
  const v5 = client.protocolVersion === 5;
  const failed = reasonCode >= 0x80;
  if (packet.qos === 1) {
    client.flow.inflightIn--;
    client.send({ cmd: "puback", messageId: id, reasonCode: v5 ? reasonCode : undefined });
    return;
  }
  if (failed && v5) {
    // a failed PUBREC ends the exchange
    client.flow.inflightIn--;
    const session = client.session!;
    if (session.inboundQos2.delete(id)) session.journal.inbound(session, id, false);
  }
  client.send({ cmd: "pubrec", messageId: id, reasonCode: v5 ? reasonCode : undefined });
}

/** Applies and records v5 topic aliases (spec 3.3.2.3.4). */
function resolveTopic(client: ClientConnection, packet: IPublishPacket, maximum: number): string {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) {
    if (!isValidTopicName(packet.topic)) {
      throw new MqttError(ReasonCode.TopicNameInvalid, `Topic name "${packet.topic}" is not valid`);
    }
    return packet.topic;
  }
  if (alias === 0 || alias > maximum) {
    throw new MqttError(ReasonCode.TopicAliasInvalid, `Topic alias ${alias} is out of range`);
  }
  if (packet.topic === "") {
    const known = client.flow.inboundAliases?.get(alias);
    if (known === undefined) {
      throw new MqttError(ReasonCode.ProtocolError, `Topic alias ${alias} was never set`);
    }
    return known;
  }
  if (!isValidTopicName(packet.topic)) {
    throw new MqttError(ReasonCode.TopicNameInvalid, `Topic name "${packet.topic}" is not valid`);
  }
  (client.flow.inboundAliases ??= new Map()).set(alias, packet.topic);
  return packet.topic;
}

function toMessage(
  client: ClientConnection,
  packet: IPublishPacket,
  topic: string,
  now: number,
): Message {
  const props = packet.properties;
  const msg: Message = {
    topic,
    payload: packet.payload as Message["payload"],
    qos: packet.qos,
    retain: packet.retain,
    properties: {},
    from: { clientId: client.clientId, username: client.negotiated.username },
  };
  if (props) {
    const { topicAlias: _a, subscriptionIdentifier: _s, messageExpiryInterval, ...rest } = props;
    msg.properties = rest;
    if (messageExpiryInterval !== undefined) {
      msg.expiresAt = now + messageExpiryInterval * 1000;
    }
  }
  return msg;
}
