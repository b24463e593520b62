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
import { fitPacket } from "../packet_fit.ts";
import { isValidTopicName } from "../topics/validate.ts";
import { checkConnectValues } from "./connect_fields.ts";

export { ConnectRefused };
export { checkProtocolLevel } from "./connect_fields.ts";

type Step = (client: Client, packet: IConnectPacket, connack: Connack) => void | Promise<void>;

/** The CONNACK being built. */
export interface Connack {
  sessionPresent: boolean;
  properties: NonNullable<IConnackPacket["properties"]>;
}

/** The CONNECT flow, in order. */
export const CONNECT_STEPS: Step[] = [
  readProtocol,
  checkProperties,
  readClientLimits,
  checkClientId,
  readLimits,
  checkConnackFits,
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

function readProtocol(client: Client, packet: IConnectPacket): void {
  const version = packet.protocolVersion ?? 4;
  client.protocolVersion = version;
  client.cleanStart = packet.clean !== false;
  client.username = packet.username;
}

/** CONNECT and will properties the decoder read as null or twice (see `connect_fields.ts`). */
function checkProperties(_client: Client, packet: IConnectPacket): void {
  checkConnectValues(packet);
}

/** The client's limits on what we send, first: even a refusing CONNACK respects them. */
function readClientLimits(client: Client, packet: IConnectPacket): void {
  const props = packet.properties ?? {};
  client.maxPacketSize = props.maximumPacketSize || Infinity; // 0 was refused as a protocol error
  client.requestProblemInformation = props.requestProblemInformation !== false;
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
  // MQTT 3.1.1 persistent sessions (CleanSession=0) "never" expire: the broker's cap applies to
  // them too, as EMQX's session expiry does, so abandoned client ids cannot pile up forever.
  const expiry = Math.min(asked, mqtt.max_session_expiry);
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

/**
 * Refuses early (0x95, before any session is touched) a CONNECT whose CONNACK cannot fit the
 * client's Maximum Packet Size even without every property that may be left out.
 */
function checkConnackFits(client: Client, _packet: IConnectPacket, connack: Connack): void {
  fittedConnack(client, connack);
}

function sendConnack(client: Client, _packet: IConnectPacket, connack: Connack): void {
  client.send(fittedConnack(client, connack));
  if (client.state === "closed") return;
  client.state = "connected";
  client.startKeepAlive();
  client.broker.log.debug("Client connected", {
    clientId: client.clientId,
    protocol: client.protocolVersion,
  });
}

/**
 * The CONNACK to send, within the client's Maximum Packet Size: optional properties are left out
 * until it fits (`packet_fit.ts`); what the client must be told (an Assigned Client Identifier, a
 * Server Keep Alive) never is, and when that cannot fit the CONNECT is refused with 0x95.
 */
function fittedConnack(client: Client, connack: Connack): IConnackPacket {
  // MQTT 3.1 has no Session Present flag: the CONNACK's first byte is reserved (0).
  const sessionPresent = client.protocolVersion !== 3 && connack.sessionPresent;
  const packet: IConnackPacket = client.protocolVersion === 5
    ? { cmd: "connack", sessionPresent, reasonCode: 0, properties: connack.properties }
    : { cmd: "connack", sessionPresent, returnCode: 0 };
  if (client.maxPacketSize === Infinity) return packet;
  const fitted = fitPacket(packet, client.protocolVersion, client.maxPacketSize);
  if (fitted) return fitted.packet;
  throw new ConnectRefused(
    ReasonCode.PacketTooLarge,
    `The CONNACK cannot fit the client's Maximum Packet Size of ${client.maxPacketSize} bytes`,
  );
}

function resumeDelivery(client: Client): void {
  client.broker.onClientConnected(client);
}
