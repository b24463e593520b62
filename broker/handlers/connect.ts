/**
 * CONNECT (spec 3.1). The flow is the array {@linkcode CONNECT_STEPS}: reading it is reading
 * what happens to a new client.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { connackReturnCodeV3, ConnectRefused, ReasonCode } from "../errors.ts";

export { ConnectRefused };
import { isValidTopicName } from "../topics/validate.ts";

type Step = (client: Client, packet: IConnectPacket, connack: Connack) => void | Promise<void>;

/** The CONNACK being built. */
export interface Connack {
  sessionPresent: boolean;
  properties: NonNullable<IConnackPacket["properties"]>;
}

/** The CONNECT flow, in order. */
export const CONNECT_STEPS: Step[] = [
  readProtocol,
  checkClientId,
  readLimits,
  readWill,
  authenticate,
  authorizeWill,
  takeOverOldConnection,
  openSession,
  askPlugins,
  sendConnack,
  resumeDelivery,
];

/** Handles CONNECT: runs the steps; a refusal sends CONNACK with the reason and closes. */
export async function handleConnect(client: Client, packet: IConnectPacket): Promise<void> {
  client.state = "connecting";
  const connack: Connack = { sessionPresent: false, properties: {} };
  try {
    for (const step of CONNECT_STEPS) {
      const pending = step(client, packet, connack);
      if (pending) await pending;
      if ((client.state as string) === "closed") return;
    }
  } catch (err) {
    if (!(err instanceof ConnectRefused)) throw err;
    refuse(client, err);
  }
}

/**
 * Sends a refusing CONNACK (v3 return code or v5 reason code) and closes; a v3 client whose
 * CONNECT was malformed gets no CONNACK (spec [MQTT-3.1.4-1]). A malformed second CONNECT on a
 * connected client gets the DISCONNECT of any other malformed packet, never a second CONNACK.
 */
export function refuse(client: Client, err: ConnectRefused): void {
  client.log.info("Connection refused", {
    clientId: client.clientId || undefined,
    reasonCode: err.reasonCode,
    reason: err.message,
  });
  if (client.state === "connected") return client.disconnect(err.reasonCode, err.message);
  const returnCode = connackReturnCodeV3(err.reasonCode);
  client.state = "connecting";
  if (client.protocolVersion === 5) {
    client.send({
      cmd: "connack",
      sessionPresent: false,
      reasonCode: err.reasonCode,
      properties: client.problemInfo(err.message) ? { reasonString: err.message } : undefined,
    });
  } else if (returnCode !== undefined) {
    client.send({ cmd: "connack", sessionPresent: false, returnCode });
  }
  client.disconnect(err.reasonCode);
}

/**
 * Refuses a CONNECT whose protocol level the codec cannot read (spec [MQTT-3.1.2-2]): CONNACK
 * 0x01 for an older level, a v5 CONNACK 0x84 for a newer one. Called with the raw frame, before
 * decoding; a level it can read becomes the client's, so that a CONNECT the codec then finds
 * malformed is refused in the client's own version (v5: CONNACK 0x81).
 */
export function checkProtocolLevel(client: Client, frame: Uint8Array): void {
  let pos = 1;
  while (frame[pos++] & 0x80);
  const at = pos + 2 + ((frame[pos] << 8) | frame[pos + 1]);
  if (!(at < frame.length)) return; // too short: the codec reports it
  const level = frame[at] & 0x7f; // the high bit marks a bridge
  if (level >= 3 && level <= 5) {
    client.protocolVersion = level as 3 | 4 | 5;
    return;
  }
  if (level > 5) client.protocolVersion = 5;
  throw new ConnectRefused(
    ReasonCode.UnsupportedProtocolVersion,
    `Protocol level ${level} is not supported`,
  );
}

function readProtocol(client: Client, packet: IConnectPacket): void {
  const version = packet.protocolVersion ?? 4;
  client.protocolVersion = version;
  client.cleanStart = packet.clean !== false;
  client.username = packet.username;
}

function checkClientId(client: Client, packet: IConnectPacket, connack: Connack): void {
  const { mqtt } = client.broker.config;
  if (packet.clientId !== "") {
    client.clientId = packet.clientId;
    return;
  }
  const refusal = client.protocolVersion === 3
    ? "MQTT 3.1 requires a client identifier"
    : !mqtt.allow_zero_length_clientid
    ? "Empty client identifiers are not allowed"
    : client.protocolVersion === 4 && !client.cleanStart
    ? "An empty client identifier needs clean session (MQTT-3.1.3-8)"
    : undefined;
  if (refusal) throw new ConnectRefused(ReasonCode.ClientIdentifierNotValid, refusal);
  client.clientId = "auto-" + crypto.randomUUID();
  if (client.protocolVersion === 5) connack.properties.assignedClientIdentifier = client.clientId;
}

function readLimits(client: Client, packet: IConnectPacket, connack: Connack): void {
  const { mqtt } = client.broker.config;
  const props = packet.properties ?? {};
  client.keepalive = packet.keepalive ?? 0;
  if (
    client.keepalive > mqtt.max_keepalive || (client.keepalive === 0 && mqtt.max_keepalive < 65535)
  ) {
    if (client.protocolVersion !== 5) {
      // v3 has no Server Keep Alive: refuse, with the code Mosquitto uses for this case.
      throw new ConnectRefused(
        ReasonCode.ClientIdentifierNotValid,
        `Keep alive ${client.keepalive} is above the maximum of ${mqtt.max_keepalive}`,
      );
    }
    client.keepalive = mqtt.max_keepalive;
    connack.properties.serverKeepAlive = mqtt.max_keepalive;
  }
  // The client's own limits first: even a refusing CONNACK must respect them (MQTT-3.1.2-24).
  client.maxPacketSize = props.maximumPacketSize || Infinity;
  client.requestProblemInformation = props.requestProblemInformation !== false;
  if (props.receiveMaximum === 0 || props.maximumPacketSize === 0) {
    throw new ConnectRefused(
      ReasonCode.ProtocolError,
      "Receive Maximum and Maximum Packet Size cannot be 0",
    );
  }
  if (props.authenticationMethod !== undefined) {
    throw new ConnectRefused(
      0x8c,
      `Authentication method ${props.authenticationMethod} is not supported`,
    );
  }
  client.receiveMaximum = props.receiveMaximum ?? mqtt.max_inflight;
  client.topicAliasMaximum = props.topicAliasMaximum ?? 0;
  if (client.protocolVersion === 5) {
    Object.assign(connack.properties, {
      receiveMaximum: mqtt.receive_maximum,
      topicAliasMaximum: mqtt.topic_alias_maximum,
      maximumPacketSize: mqtt.max_packet_size,
      retainAvailable: mqtt.retain_available,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: true,
    });
    const asked = props.sessionExpiryInterval ?? 0;
    if (asked > mqtt.max_session_expiry) {
      connack.properties.sessionExpiryInterval = mqtt.max_session_expiry;
    }
  }
}

function readWill(client: Client, packet: IConnectPacket): void {
  const will = packet.will;
  if (!will) return;
  if (!isValidTopicName(will.topic)) {
    throw new ConnectRefused(
      ReasonCode.TopicNameInvalid,
      `Will topic "${will.topic}" is not valid`,
    );
  }
  if (will.topic.startsWith("$SYS/")) {
    // $SYS belongs to the broker (spec 4.7.2), as for a PUBLISH; 0x90: a will topic not accepted.
    throw new ConnectRefused(ReasonCode.TopicNameInvalid, "Will topic is reserved for the broker");
  }
  if (will.retain && !client.broker.config.mqtt.retain_available) {
    throw new ConnectRefused(ReasonCode.RetainNotSupported, "Retained wills are not supported");
  }
  const { willDelayInterval, messageExpiryInterval, ...properties } = will.properties ?? {};
  client.will = {
    delaySeconds: willDelayInterval ?? 0,
    expirySeconds: messageExpiryInterval,
    msg: {
      topic: will.topic,
      payload: Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(will.payload ?? ""),
      qos: will.qos ?? 0,
      retain: will.retain ?? false,
      properties,
      from: { clientId: client.clientId, username: client.username },
    },
  };
}

async function authenticate(client: Client, packet: IConnectPacket): Promise<void> {
  const result = await client.broker.hooks.authenticate({
    client: client.info(),
    password: packet.password,
  });
  if (!result.allow) {
    const code = result.reasonCode ??
      (packet.username ? ReasonCode.BadUserNameOrPassword : ReasonCode.NotAuthorized);
    throw new ConnectRefused(code, result.reason ?? refusalText(code));
  }
  client.superuser = result.superuser === true;
}

/** The text sent with a refusal whose reason came from a plugin: the code's name only. */
function refusalText(code: number): string {
  return code === ReasonCode.BadUserNameOrPassword ? "Bad user name or password" : "Not authorized";
}

/**
 * The will goes through the same topic check as a PUBLISH (client.authorize, action publish, with
 * its QoS and retain flag), at CONNECT: a denied will is refused with 0x87 (v3.1.1: 5).
 */
async function authorizeWill(client: Client): Promise<void> {
  const will = client.will?.msg;
  const { hooks } = client.broker;
  if (!will || !hooks.has("client.authorize")) return;
  const allowed = await hooks.authorize({
    client: client.info(),
    action: "publish",
    topic: will.topic,
    qos: will.qos,
    retain: will.retain,
  });
  if (!allowed) throw new ConnectRefused(ReasonCode.NotAuthorized, "Will not authorized");
}

function takeOverOldConnection(client: Client): void {
  client.broker.takeOver(client);
}

function openSession(client: Client, packet: IConnectPacket, connack: Connack): void {
  const { mqtt } = client.broker.config;
  const asked = client.protocolVersion === 5
    ? packet.properties?.sessionExpiryInterval ?? 0
    : client.cleanStart
    ? 0
    : 0xffffffff;
  client.askedSessionExpiry = asked;
  const expiry = Math.min(asked, client.protocolVersion === 5 ? mqtt.max_session_expiry : asked);
  connack.sessionPresent = client.broker.openSession(client, expiry);
}

/** client.connack plugins may add user properties and a reason string (v5). */
async function askPlugins(
  client: Client,
  _packet: IConnectPacket,
  connack: Connack,
): Promise<void> {
  if (client.protocolVersion !== 5 || !client.broker.hooks.has("client.connack")) return;
  const { userProperties, reasonString } = await client.broker.hooks.connack(client.info(), {});
  if (userProperties) connack.properties.userProperties = userProperties;
  if (reasonString) connack.properties.reasonString = reasonString;
}

function sendConnack(client: Client, _packet: IConnectPacket, connack: Connack): void {
  const v5 = client.protocolVersion === 5;
  const { properties } = connack;
  // MQTT 3.1 has no Session Present flag: the CONNACK's first byte is reserved (0).
  const sessionPresent = client.protocolVersion !== 3 && connack.sessionPresent;
  // Over the client's Maximum Packet Size, Client.send drops optional properties until it fits.
  client.send(
    v5
      ? { cmd: "connack", sessionPresent, reasonCode: 0, properties }
      : { cmd: "connack", sessionPresent, returnCode: 0 },
  );
  if (client.state === "closed") return;
  client.state = "connected";
  client.startKeepAlive();
  client.broker.log.debug("Client connected", {
    clientId: client.clientId,
    protocol: client.protocolVersion,
  });
}

function resumeDelivery(client: Client): void {
  client.broker.onClientConnected(client);
}
