/**
 * The reference validator of client packets, written from the spec (not from the broker): which
 * packets are malformed or protocol errors, so that the broker must close the connection. Only
 * rules the spec states as MUST are here; where the spec lets a server choose, nothing is checked.
 *
 * @module
 */
import { Malformed, Reader, readProperties } from "./_reader.ts";

/** What a valid CONNECT asked for. */
export interface ConnectInfo {
  version: 3 | 4 | 5;
  /** v5 Maximum Packet Size, if given. */
  maxPacketSize?: number;
  /** v5 Session Expiry Interval in the CONNECT (0 when absent). */
  sessionExpiry: number;
}

const CONNECT_PROPS = [0x11, 0x21, 0x27, 0x22, 0x19, 0x17, 0x26, 0x15, 0x16];
const WILL_PROPS = [0x18, 0x01, 0x02, 0x03, 0x08, 0x09, 0x26];
const PUBLISH_PROPS = [0x01, 0x02, 0x23, 0x08, 0x09, 0x26, 0x03];
const ACK_PROPS = [0x1f, 0x26];

/**
 * Validates a CONNECT body. Returns null for a protocol name the server may treat under another
 * specification (MQTT-3.1.2-1), `{ unsupported }` for an MQTT level it must refuse (MQTT-3.1.2-2);
 * throws {@linkcode Malformed} for a CONNECT it must close on without CONNACK 0 (MQTT-3.1.4-1).
 */
export function validateConnect(
  first: number,
  body: Uint8Array,
): ConnectInfo | { unsupported: number } | null {
  const r = new Reader(body);
  let name: string;
  try {
    name = r.string("protocol name");
  } catch {
    return null;
  }
  const level = r.left > 0 ? r.byte() : -1;
  if (!(name === "MQTT" && (level === 4 || level === 5)) && !(name === "MQIsdp" && level === 3)) {
    return name === "MQTT" || name === "MQIsdp" ? { unsupported: level } : null;
  }
  if ((first & 0x0f) !== 0) {
    throw new Malformed("CONNECT fixed header flags are not 0 (MQTT-2.1.3-1)");
  }
  const version = level as 3 | 4 | 5;
  const flags = r.byte();
  r.u16(); // keep alive
  if (flags & 1) throw new Malformed("CONNECT reserved flag is 1 (MQTT-3.1.2-3)");
  const will = (flags & 0x04) !== 0, willQos = (flags >> 3) & 3, willRetain = (flags & 0x20) !== 0;
  const hasUser = (flags & 0x80) !== 0, hasPassword = (flags & 0x40) !== 0;
  if (!will && (willQos !== 0 || willRetain)) {
    throw new Malformed("Will QoS or Will Retain set without the Will Flag (MQTT-3.1.2-11/13)");
  }
  if (willQos === 3) throw new Malformed("Will QoS 3 (MQTT-3.1.2-14)");
  if (version < 5 && hasPassword && !hasUser) {
    throw new Malformed("password flag without username flag (MQTT-3.1.2-22)");
  }
  const info: ConnectInfo = { version, sessionExpiry: 0 };
  if (version === 5) {
    const p = readProperties(r, CONNECT_PROPS, "CONNECT");
    if (p.get(0x21) === 0) throw new Malformed("Receive Maximum 0 (MQTT-3.1.2 Receive Maximum)");
    if (p.get(0x27) === 0) throw new Malformed("Maximum Packet Size 0");
    for (const id of [0x17, 0x19]) {
      if (p.has(id) && (p.get(id) as number) > 1) {
        throw new Malformed(`property 0x${id.toString(16)} is not 0 or 1`);
      }
    }
    if (p.has(0x16) && !p.has(0x15)) {
      throw new Malformed("Authentication Data without Authentication Method");
    }
    info.maxPacketSize = p.get(0x27) as number | undefined;
    info.sessionExpiry = (p.get(0x11) as number | undefined) ?? 0;
  }
  r.string("client id");
  if (will) {
    if (version === 5) readProperties(r, WILL_PROPS, "Will");
    r.string("will topic");
    r.binary();
  }
  if (hasUser) r.string("username");
  if (hasPassword) r.binary();
  if (r.left > 0) {
    throw new Malformed(`CONNECT has ${r.left} bytes after its last field (MQTT-3.1.4-1)`);
  }
  return info;
} // deno-fmt-ignore

function packetId(r: Reader, what: string): number {
  const id = r.u16();
  if (id === 0) throw new Malformed(`${what} with Packet Identifier 0 (MQTT-2.3.1-1)`);
  return id;
}

/** Topic alias state of one connection, for PUBLISH validation. */
export interface Aliases {
  known: Set<number>;
  max: number;
}

function validatePublish(first: number, r: Reader, v: 3 | 4 | 5, aliases: Aliases): void {
  const qos = (first >> 1) & 3;
  if (qos === 3) throw new Malformed("PUBLISH QoS 3 (MQTT-3.3.1-4)");
  const topic = r.string("topic name");
  if (/[+#]/.test(topic)) throw new Malformed("wildcard in a topic name (MQTT-3.3.2-2)");
  if (qos > 0) packetId(r, "PUBLISH");
  if (v < 5) {
    if (topic === "") throw new Malformed("empty topic name (MQTT-4.7.3-1)");
    return;
  }
  const p = readProperties(r, PUBLISH_PROPS, "PUBLISH");
  const alias = p.get(0x23) as number | undefined;
  if (alias === 0 || (alias !== undefined && alias > aliases.max)) {
    throw new Malformed(`Topic Alias ${alias} out of range (MQTT-3.3.2-8/9)`);
  }
  const rt = p.get(0x08) as string | undefined;
  if (rt !== undefined && /[+#]/.test(rt)) {
    throw new Malformed("wildcard in a Response Topic (MQTT-3.3.2-14)");
  }
  if (topic === "" && (alias === undefined || !aliases.known.has(alias))) {
    throw new Malformed("empty topic without a known Topic Alias");
  }
  if (alias !== undefined && topic !== "") aliases.known.add(alias);
} // deno-fmt-ignore

function validateSubscribe(r: Reader, v: 3 | 4 | 5): void {
  packetId(r, "SUBSCRIBE");
  if (v === 5) {
    const p = readProperties(r, [0x0b, 0x26], "SUBSCRIBE");
    if (p.get(0x0b) === 0) throw new Malformed("Subscription Identifier 0 (MQTT-3.8.2 Subscription Identifier)");
  }
  if (r.left === 0) throw new Malformed("SUBSCRIBE without a topic filter (MQTT-3.8.3-3)");
  while (r.left > 0) {
    const filter = r.string("topic filter");
    const opts = r.byte();
    if ((opts & 3) === 3) throw new Malformed("subscription QoS 3 (MQTT-3.8.3-4)");
    if (v < 5 && opts & 0xfc) throw new Malformed("subscription options reserved bits set (MQTT-3.8.3-4)");
    if (v === 5 && opts & 0xc0) throw new Malformed("subscription options reserved bits set (MQTT-3.8.3-5)");
    if (v === 5 && ((opts >> 4) & 3) === 3) throw new Malformed("Retain Handling 3");
    if (v === 5 && opts & 0x04 && filter.startsWith("$share/")) throw new Malformed("No Local on a shared subscription (MQTT-3.8.3-4)");
  }
} // deno-fmt-ignore

function validateUnsubscribe(r: Reader, v: 3 | 4 | 5): void {
  packetId(r, "UNSUBSCRIBE");
  if (v === 5) readProperties(r, [0x26], "UNSUBSCRIBE");
  if (r.left === 0) throw new Malformed("UNSUBSCRIBE without a topic filter (MQTT-3.10.3-2)");
  while (r.left > 0) r.string("topic filter");
}

function validateAck(r: Reader, v: 3 | 4 | 5, name: string): void {
  r.u16();
  if (v < 5) {
    if (r.left > 0) throw new Malformed(`${name} Remaining Length is not 2 (spec 3.4.1)`);
    return;
  }
  if (r.left > 0) r.byte();
  if (r.left > 0) readProperties(r, ACK_PROPS, name);
  if (r.left > 0) throw new Malformed(`${name} has bytes after its properties`);
}

const NAMES = [
  "reserved type 0",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
]; // deno-fmt-ignore

/** The name of a packet type. */
export function typeName(first: number): string {
  return NAMES[first >> 4];
}

/**
 * Validates a packet a connected client sent (not CONNECT, not DISCONNECT: the broker closes on
 * those anyway). Throws {@linkcode Malformed} for one the broker must close the connection on.
 */
export function validatePacket(
  first: number,
  body: Uint8Array,
  v: 3 | 4 | 5,
  aliases: Aliases,
): void {
  const type = first >> 4, flags = first & 0x0f, name = typeName(first);
  const r = new Reader(body);
  if ([0, 2, 9, 11, 13].includes(type)) throw new Malformed(`${name} from a client (MQTT-4.8.0-1)`);
  if (type === 15) {
    throw new Malformed(
      v === 5 ? "AUTH without an Authentication Method in CONNECT (spec 4.12)" : "reserved type 15",
    );
  }
  const wantFlags = [6, 8, 10].includes(type) ? 2 : 0;
  const v3Dup = v === 3 && wantFlags === 2 && flags === 0x0a; // MQTT 3.1: DUP allowed here
  if (type !== 3 && flags !== wantFlags && !v3Dup) {
    throw new Malformed(`${name} fixed header flags 0x${flags.toString(16)} (MQTT-2.1.3-1)`);
  }
  if (type === 3) return validatePublish(first, r, v, aliases);
  if (type === 8) return validateSubscribe(r, v);
  if (type === 10) return validateUnsubscribe(r, v);
  if (type >= 4 && type <= 7) return validateAck(r, v, name);
  if (type === 12 && body.length > 0) {
    throw new Malformed("PINGREQ with a Remaining Length (spec 3.12.1)");
  }
} // deno-fmt-ignore

export { Malformed };
