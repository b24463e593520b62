/**
 * The strict oracle (`--strict`): checks what the broker answered against the spec, using the
 * reference validator in {@linkcode ./spec_packets.ts}. A malformed packet or protocol error must
 * end the connection (the probe PINGREQ must not be answered) and never be acknowledged as valid;
 * a valid CONNECT gets a CONNACK first; every valid packet that needs an answer gets one; the
 * broker's own packets are of server types, within the client's Maximum Packet Size, and acks
 * use their shortest form.
 *
 * @module
 */
import { header } from "./mutate.ts";
import type { Observed, Problem } from "./oracle.ts";
import {
  type ConnectInfo,
  Malformed,
  typeName,
  validateConnect,
  validatePacket,
} from "./spec_packets.ts";
import type { OutPacket } from "./wire.ts";

const SERVER_TYPES = [2, 3, 4, 5, 6, 7, 9, 11, 13];

/** The v5 Maximum Packet Size a CONNECT asks for (undefined: none, or not a valid v5 CONNECT). */
export function clientMaxPacketSize(pkt: Uint8Array | undefined): number | undefined {
  const h = pkt && header(pkt);
  if (!h || pkt[0] >> 4 !== 1) return undefined;
  try {
    const info = validateConnect(pkt[0], pkt.subarray(h.start));
    return info && "version" in info ? info.maxPacketSize : undefined;
  } catch {
    return undefined;
  }
}

function id(p: OutPacket): number {
  return (p.bytes[p.start] << 8) | p.bytes[p.start + 1];
}

/** Checks on every packet the broker sent on a connection of `info`. */
function outputProblems(out: OutPacket[], info: ConnectInfo): string[] {
  const found: string[] = [];
  out.forEach((p, i) => {
    const type = p.bytes[0] >> 4, rl = p.bytes.length - p.start;
    if (!SERVER_TYPES.includes(type) && !(info.version === 5 && type >= 14)) {
      found.push(`broker sent ${typeName(p.bytes[0])} on a v${info.version} connection`);
    }
    if (type === 2 && i > 0) found.push("broker sent a second CONNACK (MQTT-3.2.0-2)");
    if (info.maxPacketSize !== undefined && p.bytes.length > info.maxPacketSize) {
      found.push(
        `broker sent ${
          typeName(p.bytes[0])
        } larger than the client's Maximum Packet Size (MQTT-3.1.2-24)`,
      );
    }
    if (info.version !== 5) return;
    if (
      type >= 4 && type <= 7 && rl >= 3 && p.bytes[p.start + 2] === 0 &&
      (rl === 3 || p.bytes[p.start + 3] === 0)
    ) {
      found.push(
        `v5 ${
          typeName(p.bytes[0])
        } with reason 0 and no properties not in its 2-byte form (spec 3.4.2.1, issue item 9)`,
      );
    }
    if (
      type === 14 && rl > 0 && p.bytes[p.start] === 0 && (rl === 1 || p.bytes[p.start + 1] === 0)
    ) {
      found.push(
        "v5 DISCONNECT with reason 0 and no properties not of length 0 (spec 3.14.2.1, issue item 9)",
      );
    }
  });
  return found;
} // deno-fmt-ignore

/** What must answer a valid packet: [answer type, packet id], or null. */
function answerFor(pkt: Uint8Array, start: number): [number, number] | null {
  const type = pkt[0] >> 4, qos = (pkt[0] >> 1) & 3;
  const at = (n: number) => (pkt[n] << 8) | pkt[n + 1];
  if (type === 3 && qos > 0) return [qos === 1 ? 4 : 5, at(start + 2 + at(start))];
  if (type === 6 || type === 8 || type === 10) return [type + 1, at(start)];
  return null;
}

/** Spec violations in what the broker answered to one input. */
export function strictProblems(o: Observed): Problem[] {
  if (o.framed.packets.length === 0) return [];
  return connectionProblems(o).map((detail) => ({ kind: "spec", detail }));
}

/** The connection's story: its first packet, the CONNACK, then the packets after it. */
function connectionProblems(o: Observed): string[] {
  const out = o.wire.packets, first = o.framed.packets[0];
  const connack = out[0]?.bytes[0] >> 4 === 2 ? out[0] : undefined;
  if (first[0] >> 4 !== 1) return notConnectFirst(o, first);
  const info = connectVerdict(o, first, connack);
  if (Array.isArray(info)) return info;
  const found = outputProblems(out, info);
  if (!connack) return [...found, ...noConnack(o, info)];
  if (info.version === 3 && connack.bytes[2] !== 0) {
    found.push("MQTT 3.1 CONNACK with a non-zero reserved first byte (issue item 8)");
  }
  if (connack.bytes[3] !== 0) {
    if (out.length > 1) found.push("broker sent packets after a refusing CONNACK (MQTT-3.2.2-5)");
    if (o.answered) found.push("connection kept open after a refusing CONNACK (MQTT-3.2.2-5)");
    return found;
  }
  return [...found, ...afterConnack(o, info.version)];
}

/** A first packet other than CONNECT must get no answer and end the connection. */
function notConnectFirst(o: Observed, first: Uint8Array): string[] {
  const found: string[] = [];
  const out = o.wire.packets;
  if (out.length > 0) {
    const what = typeName(out[0].bytes[0]);
    found.push(`broker answered ${what} to a first packet that is not CONNECT (MQTT-3.1.0-1)`);
  }
  if (o.answered) {
    const what = typeName(first[0]);
    found.push(`connection kept open after a first packet ${what}, not CONNECT (MQTT-3.1.0-1)`);
  }
  return found;
}

/**
 * The CONNECT's info when it is valid; else what was wrong in the broker's answer to it (a
 * malformed CONNECT or an unsupported protocol level must be refused and end the connection).
 */
function connectVerdict(
  o: Observed,
  first: Uint8Array,
  connack: OutPacket | undefined,
): ConnectInfo | string[] {
  const found: string[] = [];
  const h = header(first)!;
  let info: ReturnType<typeof validateConnect>;
  try {
    info = validateConnect(first[0], first.subarray(h.start));
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    const v5 = first[h.start + 2 + ((first[h.start] << 8) | first[h.start + 1])] === 5;
    if (connack && connack.bytes[3] === 0) {
      found.push(`CONNACK 0 for a malformed CONNECT: ${err.message}`);
    } else if (connack && !v5) {
      found.push(`CONNACK for a malformed v3/v4 CONNECT (MQTT-3.1.4-1): ${err.message}`);
    }
    if (o.answered) found.push(`connection kept open after a malformed CONNECT: ${err.message}`);
    return found;
  }
  if (info === null) return [];
  if (!("unsupported" in info)) return info;
  if (connack && connack.bytes[3] === 0) {
    found.push(`CONNACK 0 for protocol level ${info.unsupported} (MQTT-3.1.2-2)`);
  }
  if (o.answered) {
    found.push(`connection kept open after protocol level ${info.unsupported} (MQTT-3.1.2-2)`);
  }
  return found;
}

/** A valid CONNECT without a CONNACK: wrong unless the client's Maximum Packet Size forbids one. */
function noConnack(o: Observed, info: ConnectInfo): string[] {
  const out = o.wire.packets;
  if (out.length > 0) {
    const what = typeName(out[0].bytes[0]);
    return [`first packet from the broker is ${what}, not CONNACK (MQTT-3.2.0-1)`];
  }
  if ((info.maxPacketSize ?? 5) < 5) return [];
  const why = info.maxPacketSize
    ? ` (client Maximum Packet Size ${info.maxPacketSize}, MQTT-3.1.2-25)`
    : "";
  return [`no CONNACK for a valid v${info.version} CONNECT${why}`];
}

/**
 * The packets after an accepted CONNECT: the first invalid one (or a second CONNECT) must end the
 * connection, and every valid one before it that needs an answer gets one.
 */
function afterConnack(o: Observed, v: ConnectInfo["version"]): string[] {
  const found: string[] = [];
  const aliases = { known: new Set<number>(), max: o.topicAliasMaximum };
  const answers: [number, number, string][] = [];
  for (const pkt of o.framed.packets.slice(1)) {
    const ph = header(pkt)!, type = pkt[0] >> 4;
    if (type === 1) {
      if (o.answered) found.push("second CONNECT did not close the connection (MQTT-3.1.0-2)");
      break;
    }
    if (type === 14) break;
    try {
      validatePacket(pkt[0], pkt.subarray(ph.start), v, aliases);
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      if (o.answered) found.push(`v${v}: connection kept open after ${err.message}`);
      break;
    }
    const answer = answerFor(pkt, ph.start);
    if (answer) answers.push([...answer, typeName(pkt[0])]);
  }
  if (!o.answered) return found;
  for (const [type, pid, what] of answers) {
    if (!o.wire.packets.some((p) => p.bytes[0] >> 4 === type && id(p) === pid)) {
      found.push(`v${v}: no ${typeName(type << 4)} for a valid ${what} (spec 4.3)`);
    }
  }
  return found;
}
