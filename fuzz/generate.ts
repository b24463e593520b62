/**
 * Well-formed client packets of every type for MQTT 3.1 (level 3), 3.1.1 (level 4) and 5, built
 * with `mqtt-packet` from small pools of ids, topics and filters (so that inputs meet each other's
 * sessions, subscriptions and retained messages) before {@linkcode ./mutate.ts} breaks them.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import mqttPacket, { type Packet } from "mqtt-packet";
import type { Rng } from "./prng.ts";
import { header } from "./mutate.ts";
import { frame } from "./bytes.ts";

/** MQTT protocol level. */
export type Version = 3 | 4 | 5;

/** Client ids the inputs share: sessions are resumed and taken over. */
export const CLIENT_IDS: readonly string[] = Array.from({ length: 12 }, (_, i) => `fz${i}`);
const TOPICS = ["a", "a/b", "fz/t", "fz/é", "x/y/z", "$SYS/x", "/", "a/b/c/d/e"];
const FILTERS = ["#", "+", "a/#", "a/+", "fz/t", "+/+/+", "$share/g/a", "$SYS/#", "x/y/z"];
const STRINGS = ["", "k", "v", "é", "a/b", "x".repeat(40)];

/** The types only a server may send. */
const SERVER_TYPES = ["connack", "suback", "unsuback", "pingresp"] as const;

/** Encodes `packet`; mqtt-packet refuses some combinations, which then become null. */
export function encode(packet: Packet, version: Version): Uint8Array | null {
  try {
    const out = mqttPacket.generate(packet, { protocolVersion: version === 3 ? 4 : version });
    return out.length > 0 ? new Uint8Array(out) : null;
  } catch {
    return null;
  }
}

/**
 * Encodes a CONNECT, including the ones mqtt-packet refuses to write (an empty client id with
 * CleanSession 0, or on level 3): those are written with a one-byte id that is then cut out.
 */
export function encodeConnect(
  packet: Packet & { cmd: "connect" },
  version: Version,
): Uint8Array | null {
  const direct = encode(packet, version);
  if (direct || packet.clientId !== "") return direct;
  const full = encode({ ...packet, clientId: "Z" }, version);
  if (!full) return null;
  const h = header(full)!;
  let at = h.start + 2 + ((full[h.start] << 8) | full[h.start + 1]) + 4;
  if (version === 5) {
    let len = 0, i = 0;
    do len += (full[at + i] & 0x7f) * 128 ** i; while (full[at + i++] & 0x80);
    at += i + len;
  }
  const body = [...full.subarray(h.start, at), 0, 0, ...full.subarray(at + 3)];
  return frame(full[0], body);
}

/** A packet identifier: mostly small (so acks meet their PUBLISHes), sometimes an edge. */
export function packetId(rng: Rng): number {
  return rng.chance(0.8) ? rng.range(1, 4) : rng.edgy(0xffff) || 1;
}

/** Random binary data as the Buffer mqtt-packet wants. */
function bin(rng: Rng, n: number): Buffer {
  return Buffer.from(rng.bytes(n));
}

function userProps(rng: Rng): Record<string, string | string[]> | undefined {
  if (!rng.chance(0.3)) return undefined;
  return rng.chance(0.3)
    ? { [rng.pick(STRINGS)]: [rng.pick(STRINGS), rng.pick(STRINGS)] }
    : { [rng.pick(STRINGS)]: rng.pick(STRINGS) };
}

/** Keeps only the defined values (mqtt-packet writes `undefined` properties as garbage). */
function defined<T extends Record<string, unknown>>(obj: T): T | undefined {
  const out = Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
  return Object.keys(out).length > 0 ? out as T : undefined;
}

function maybe<T>(rng: Rng, p: number, make: () => T): T | undefined {
  return rng.chance(p) ? make() : undefined;
}

/** A CONNECT of `version` with random flags, will, credentials and (v5) properties. */
export function connectPacket(rng: Rng, version: Version, clientId?: string): Packet {
  const v5 = version === 5;
  const id = clientId ??
    (rng.chance(0.9) ? rng.pick(CLIENT_IDS) : rng.pick(["", "é", "x".repeat(30)]));
  const will = maybe(rng, 0.3, () => ({
    topic: rng.pick(TOPICS),
    payload: bin(rng, rng.int(8)),
    qos: rng.int(3) as 0 | 1 | 2,
    retain: rng.chance(0.3),
    properties: v5
      ? defined({
        willDelayInterval: maybe(rng, 0.3, () => rng.edgy(0xffffffff)),
        payloadFormatIndicator: maybe(rng, 0.2, () => rng.chance(0.5)),
        messageExpiryInterval: maybe(rng, 0.2, () => rng.edgy(0xffffffff)),
        contentType: maybe(rng, 0.1, () => rng.pick(STRINGS)),
        responseTopic: maybe(rng, 0.1, () => rng.pick(TOPICS)),
        correlationData: maybe(rng, 0.1, () => bin(rng, 3)),
        userProperties: userProps(rng),
      })
      : undefined,
  }));
  const username = maybe(rng, 0.25, () => rng.pick(STRINGS));
  return {
    cmd: "connect",
    protocolId: version === 3 ? "MQIsdp" : "MQTT",
    protocolVersion: version,
    clientId: id,
    clean: rng.chance(0.6),
    keepalive: rng.chance(0.7) ? 0 : rng.edgy(0xffff),
    will,
    username,
    password: username !== undefined && rng.chance(0.5) ? bin(rng, rng.int(6)) : undefined,
    properties: v5
      ? defined({
        sessionExpiryInterval: maybe(rng, 0.4, () => rng.edgy(0xffffffff)),
        receiveMaximum: maybe(rng, 0.2, () => rng.edgy(0xffff) || 1),
        maximumPacketSize: maybe(rng, 0.2, () => rng.edgy(0xffffffff) || 1),
        topicAliasMaximum: maybe(rng, 0.2, () => rng.edgy(0xffff)),
        requestResponseInformation: maybe(rng, 0.1, () => rng.chance(0.5)),
        requestProblemInformation: maybe(rng, 0.2, () => rng.chance(0.5)),
        userProperties: userProps(rng),
        authenticationMethod: maybe(rng, 0.05, () => rng.pick(STRINGS)),
      })
      : undefined,
  } as Packet;
}

/** A PUBLISH with a random topic, QoS, flags and (v5) properties. */
export function publishPacket(rng: Rng, version: Version): Packet {
  const qos = rng.int(3) as 0 | 1 | 2;
  return {
    cmd: "publish",
    topic: rng.pick(TOPICS),
    payload: bin(rng, rng.chance(0.9) ? rng.int(16) : rng.int(2000)),
    qos,
    retain: rng.chance(0.2),
    dup: qos > 0 && rng.chance(0.2),
    messageId: qos > 0 ? packetId(rng) : undefined,
    properties: version === 5
      ? defined({
        payloadFormatIndicator: maybe(rng, 0.1, () => rng.chance(0.5)),
        messageExpiryInterval: maybe(rng, 0.2, () => rng.edgy(0xffffffff)),
        topicAlias: maybe(rng, 0.2, () => rng.edgy(12) || 1),
        responseTopic: maybe(rng, 0.1, () => rng.pick(TOPICS)),
        correlationData: maybe(rng, 0.1, () => bin(rng, 4)),
        contentType: maybe(rng, 0.1, () => rng.pick(STRINGS)),
        userProperties: userProps(rng),
      })
      : undefined,
  } as Packet;
}

function ackPacket(rng: Rng, version: Version, cmd: "puback" | "pubrec" | "pubrel" | "pubcomp") {
  const v5 = version === 5;
  return {
    cmd,
    messageId: packetId(rng),
    reasonCode: v5 && rng.chance(0.3) ? rng.pick([0, 0x10, 0x80, 0x92, 0x97]) : undefined,
    properties: v5
      ? defined({
        reasonString: maybe(rng, 0.1, () => rng.pick(STRINGS)),
        userProperties: userProps(rng),
      })
      : undefined,
  } as Packet;
}

function subscribePacket(rng: Rng, version: Version): Packet {
  const n = rng.range(1, 3);
  return {
    cmd: "subscribe",
    messageId: packetId(rng),
    subscriptions: Array.from({ length: n }, () => ({
      topic: rng.pick(FILTERS),
      qos: rng.int(3) as 0 | 1 | 2,
      ...(version === 5 ? { nl: rng.chance(0.2), rap: rng.chance(0.3), rh: rng.int(3) } : {}),
    })),
    properties: version === 5
      ? defined({
        subscriptionIdentifier: maybe(rng, 0.3, () => rng.edgy(268435455) || 1),
        userProperties: userProps(rng),
      })
      : undefined,
  } as Packet;
}

function unsubscribePacket(rng: Rng, version: Version): Packet {
  return {
    cmd: "unsubscribe",
    messageId: packetId(rng),
    unsubscriptions: Array.from({ length: rng.range(1, 3) }, () => rng.pick(FILTERS)),
    properties: version === 5 ? defined({ userProperties: userProps(rng) }) : undefined,
  } as Packet;
}

function disconnectPacket(rng: Rng, version: Version): Packet {
  if (version !== 5) return { cmd: "disconnect" };
  return {
    cmd: "disconnect",
    reasonCode: rng.chance(0.5) ? 0 : rng.pick([0x04, 0x80, 0x81, 0x82, 0x8e]),
    properties: defined({
      sessionExpiryInterval: maybe(rng, 0.2, () => rng.edgy(0xffffffff)),
      reasonString: maybe(rng, 0.1, () => rng.pick(STRINGS)),
      userProperties: userProps(rng),
    }),
  } as Packet;
}

function authPacket(rng: Rng): Packet {
  return {
    cmd: "auth",
    reasonCode: rng.pick([0, 0x18, 0x19]),
    properties: defined({
      authenticationMethod: maybe(rng, 0.7, () => rng.pick(STRINGS)),
      authenticationData: maybe(rng, 0.4, () => bin(rng, 4)),
    }),
  } as Packet;
}

/** A packet only a server sends (a protocol error from a client). */
function serverPacket(rng: Rng): Packet {
  switch (rng.pick(SERVER_TYPES)) {
    case "connack":
      return { cmd: "connack", returnCode: 0, sessionPresent: false } as Packet;
    case "suback":
      return { cmd: "suback", messageId: packetId(rng), granted: [0] } as Packet;
    case "unsuback":
      return { cmd: "unsuback", messageId: packetId(rng) } as Packet;
    default:
      return { cmd: "pingresp" };
  }
}

type Generate = (rng: Rng, version: Version, cmd?: string) => Packet;
type AckType = "puback" | "pubrec" | "pubrel" | "pubcomp";

/** An acknowledgement of type `cmd`, or of a random ack type. */
const ack: Generate = (rng, version, cmd) =>
  ackPacket(rng, version, (cmd ?? rng.pick(["puback", "pubrec", "pubrel", "pubcomp"])) as AckType);

/** The generator of each type a client sends; the key order is the order random picks index. */
const CLIENT_PACKETS = {
  connect: (rng, version) => connectPacket(rng, version),
  publish: publishPacket,
  puback: ack,
  pubrec: ack,
  pubrel: ack,
  pubcomp: ack,
  subscribe: subscribePacket,
  unsubscribe: unsubscribePacket,
  pingreq: () => ({ cmd: "pingreq" }),
  disconnect: disconnectPacket,
  auth: (rng, version) => version === 5 ? authPacket(rng) : serverPacket(rng),
} satisfies Record<string, Generate>;

/** A packet type a client sends. */
export type ClientType = keyof typeof CLIENT_PACKETS;

/** The types a client sends. */
export const CLIENT_TYPES: readonly ClientType[] = Object.keys(CLIENT_PACKETS) as ClientType[];

/**
 * A well-formed packet of `cmd` (or of a random client type) for `version`, as objects. `server`
 * asks for a packet only a server sends; an unknown type gives a PINGREQ.
 */
export function packetOf(rng: Rng, version: Version, cmd?: string): Packet {
  const type = cmd ?? rng.pick(CLIENT_TYPES);
  if (type === "server") return serverPacket(rng);
  const generate = Object.hasOwn(CLIENT_PACKETS, type)
    ? CLIENT_PACKETS[type as ClientType]
    : CLIENT_PACKETS.pingreq;
  return generate(rng, version, cmd);
}
