/**
 * Decoding whole MQTT packets with `mqtt-packet`, through one shared decoder per protocol
 * generation instead of one per connection: the framer hands over complete packets only, so a
 * decoder holds no state between packets, and an idle connection carries no decoder at all.
 * Decoding is strict where mqtt-packet is lenient: every string field must be well-formed UTF-8
 * without U+0000, a packet must end where its last field does, and a CONNECT's flags must agree
 * with each other (see `_strict_parser.ts`).
 * Encoding checks the one invariant that keeps a bad packet off the wire: its bytes are exactly
 * as many as its header announces; acknowledgements take their shortest legal form.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import mqttPacket, { type IConnectPacket, type Packet } from "mqtt-packet";
import { ConnectRefused, EncodeError, ParseError, ReasonCode } from "./errors.ts";
import { makeStrict } from "./_strict_parser.ts";

interface Decoder {
  parser: ReturnType<typeof mqttPacket.parser>;
  packets: Packet[];
  error: Error | null;
}

type DecoderKey = 4 | 5 | "connect";

const decoders = new Map<DecoderKey, Decoder>();

function decoderFor(key: DecoderKey): Decoder {
  let d = decoders.get(key);
  if (d) return d;
  const parser = makeStrict(mqttPacket.parser({ protocolVersion: key === 5 ? 5 : 4 }));
  const decoder: Decoder = { parser, packets: [], error: null };
  parser.on("packet", (p: Packet) => decoder.packets.push(p));
  parser.on("error", (e: Error) => decoder.error ??= e);
  decoders.set(key, d = decoder);
  return d;
}

/**
 * Decodes one complete packet (as cut by the framer) for a connection speaking `version`.
 * Throws {@linkcode ParseError} for a malformed packet, and for a malformed CONNECT a
 * {@linkcode ConnectRefused} 0x81 (v5: CONNACK 0x81; v3: closed without CONNACK, spec
 * [MQTT-3.1.4-1]). The shared decoder is then replaced, so one client's garbage never affects
 * another's packets.
 *
 * @example
 * ```ts
 * import { Buffer } from "node:buffer";
 * import { decodePacket } from "./codec.ts";
 * if (decodePacket(Buffer.from([0xc0, 0x00]), 4).cmd !== "pingreq") throw new Error("PINGREQ");
 * let refused = false;
 * try {
 *   decodePacket(Buffer.from("820800010003612f0000", "hex"), 4); // U+0000 in a topic filter
 * } catch { refused = true; }
 * if (!refused) throw new Error("U+0000 accepted");
 * ```
 */
export function decodePacket(frame: Buffer, version: 3 | 4 | 5): Packet {
  // Decoding a CONNECT switches mqtt-packet's parser to the client's version, so CONNECTs get a
  // decoder of their own and the shared ones keep theirs.
  const isConnect = frame[0] >> 4 === 1;
  const key: DecoderKey = isConnect ? "connect" : version === 5 ? 5 : 4;
  const d = decoderFor(key);
  d.parser.parse(version === 3 ? withoutDup31(frame) : frame);
  const packet = d.packets.shift();
  const problem = d.error?.message ??
    (!packet || d.packets.length > 0 ? "Packet could not be decoded" : undefined) ??
    (isConnect ? connectProblem(packet as IConnectPacket) : undefined);
  if (problem === undefined) return packet!;
  decoders.delete(key);
  if (isConnect) {
    throw new ConnectRefused(ReasonCode.MalformedPacket, `Malformed CONNECT: ${problem}`);
  }
  throw new ParseError(problem);
}

/**
 * MQTT 3.1 sends PUBREL, SUBSCRIBE and UNSUBSCRIBE with QoS 1 in the fixed header, and a re-sent
 * one with DUP set; 3.1.1 reserves those flags (0010). Returns the frame with DUP cleared.
 */
function withoutDup31(frame: Buffer): Buffer {
  const type = frame[0] >> 4;
  if ((frame[0] & 0x0f) !== 0x0a || (type !== 6 && type !== 8 && type !== 10)) return frame;
  const copy = Buffer.from(frame); // rare: the caller's bytes stay as they came
  copy[0] &= ~0x08;
  return copy;
}

/**
 * What mqtt-packet accepts in a CONNECT but the spec does not (spec 3.1.2.3, 3.1.2.9): a password
 * without a user name before v5 [MQTT-3.1.2-22], Will QoS 3 [MQTT-3.1.2-14].
 */
function connectProblem(packet: IConnectPacket): string | undefined {
  if (packet.will?.qos === (3 as number)) return "Will QoS 3";
  if (
    (packet.protocolVersion ?? 4) < 5 && packet.password !== undefined &&
    packet.username === undefined
  ) {
    return "a password without a user name";
  }
}

/**
 * Encodes `packet` for a connection speaking `version`. Throws {@linkcode EncodeError} when the
 * encoder fails or its bytes disagree with the length the header announces: a string over 65,535
 * bytes makes mqtt-packet emit a header whose body is missing, and the peer would parse whatever
 * follows as that body (an injected packet). Such a packet must never reach a socket.
 *
 * @example
 * ```ts
 * import { encodePacket } from "./codec.ts";
 * if (encodePacket({ cmd: "pingresp" }, 4).length !== 2) throw new Error("PINGRESP");
 * const puback = encodePacket({ cmd: "puback", messageId: 7, reasonCode: 0x10 }, 5);
 * if (puback.toString("hex") !== "4003000710") throw new Error("PUBACK 0x10 in 5 bytes");
 * let refused = false;
 * try {
 *   encodePacket({ cmd: "connack", returnCode: 0, sessionPresent: false, properties: { reasonString: "r".repeat(70_000) } }, 5);
 * } catch { refused = true; }
 * if (!refused) throw new Error("a 70 kB reason string was encoded");
 * ```
 */
export function encodePacket(packet: Packet, version: 3 | 4 | 5): Buffer {
  let buf: Buffer;
  try {
    buf = shortForm(packet, version) ?? mqttPacket.generate(packet, { protocolVersion: version });
  } catch (err) {
    throw new EncodeError(`Cannot encode ${packet.cmd}: ${(err as Error)?.message ?? err}`);
  }
  const framed = framedLength(buf);
  if (framed !== buf.length) {
    throw new EncodeError(
      `Cannot encode ${packet.cmd}: ${buf.length} bytes encoded, its header announces ${framed}`,
    );
  }
  return buf;
}

/** The accepting MQTT 3.1 / 3.1.1 CONNACKs (Session Present 0, 1), encoded once; never written. */
const ACCEPTED_V3 = [Buffer.from([0x20, 2, 0, 0]), Buffer.from([0x20, 2, 1, 0])];

/** First byte of each acknowledgement (PUBREL has its reserved flags 0010, spec 2.1.3). */
const ACK_FIRST_BYTE: Record<string, number> = {
  puback: 0x40,
  pubrec: 0x50,
  pubrel: 0x62,
  pubcomp: 0x70,
};

/**
 * The shortest legal encoding of an acknowledgement without properties, or null to use the
 * generic encoder: PUBACK, PUBREC, PUBREL, PUBCOMP are the packet id alone when the reason is 0,
 * the id and the reason otherwise (v5, spec 3.4.2.1); a v5 DISCONNECT is empty when the reason is
 * 0, the reason alone otherwise (spec 3.14.2.1). The hot path of QoS 1 and 2: a fresh 4-byte
 * buffer from Node's pool (not a shared one patched in place: `Client.send` queues buffers until
 * the tick's write, so a later ack would overwrite an earlier one still queued).
 */
function shortForm(packet: Packet, version: 3 | 4 | 5): Buffer | null {
  if (packet.cmd === "connack" && version !== 5 && !packet.returnCode && !packet.properties) {
    return ACCEPTED_V3[packet.sessionPresent ? 1 : 0];
  }
  const first = ACK_FIRST_BYTE[packet.cmd];
  if (first === undefined && packet.cmd !== "disconnect") return null;
  const { reasonCode = 0, properties } = packet as { reasonCode?: number; properties?: object };
  if (hasProperties(properties) || (reasonCode & 0xff) !== reasonCode) return null;
  const code = version === 5 ? reasonCode : 0;
  if (first === undefined) {
    return version === 5 ? Buffer.from(code === 0 ? [0xe0, 0] : [0xe0, 1, code]) : null;
  }
  const id = (packet as { messageId?: number }).messageId!;
  if ((id & 0xffff) !== id) return null; // the generic encoder reports it
  const buf = Buffer.allocUnsafe(code === 0 ? 4 : 5);
  buf[0] = first;
  buf[1] = buf.length - 2;
  buf[2] = id >> 8;
  buf[3] = id & 0xff;
  if (code !== 0) buf[4] = code;
  return buf;
}

/** Whether `properties` holds any property (an empty object or undefined values do not count). */
function hasProperties(properties: object | undefined): boolean {
  for (const key in properties) {
    if ((properties as Record<string, unknown>)[key] !== undefined) return true;
  }
  return false;
}

/**
 * The length an encoded packet announces: fixed header byte, Remaining Length bytes, and the
 * Remaining Length itself (spec 2.1.4); -1 when the header is cut short.
 *
 * @example
 * ```ts
 * import { framedLength } from "./codec.ts";
 * if (framedLength(new Uint8Array([0xc0, 0x00])) !== 2) throw new Error("PINGREQ");
 * if (framedLength(new Uint8Array([0x30, 0x84, 0x80, 0x04])) !== 65_544) throw new Error("3-byte");
 * ```
 */
export function framedLength(buf: Uint8Array): number {
  let remaining = 0;
  for (let i = 1; i <= 4 && i < buf.length; i++) {
    remaining += (buf[i] & 0x7f) * 128 ** (i - 1);
    if ((buf[i] & 0x80) === 0) return 1 + i + remaining;
  }
  return -1;
}
