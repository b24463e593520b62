/**
 * Decoding whole MQTT packets with `mqtt-packet`, through one shared decoder per protocol
 * generation instead of one per connection: the framer hands over complete packets only, so a
 * decoder holds no state between packets, and an idle connection carries no decoder at all.
 * Encoding checks the one invariant that keeps a bad packet off the wire: its bytes are exactly
 * as many as its header announces.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import mqttPacket, { type Packet } from "mqtt-packet";
import { EncodeError, ParseError } from "./errors.ts";

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
  const parser = mqttPacket.parser({ protocolVersion: key === 5 ? 5 : 4 });
  const decoder: Decoder = { parser, packets: [], error: null };
  parser.on("packet", (p: Packet) => decoder.packets.push(p));
  parser.on("error", (e: Error) => decoder.error ??= e);
  decoders.set(key, d = decoder);
  return d;
}

/**
 * Decodes one complete packet (as cut by the framer) for a connection speaking `version`.
 * Throws {@linkcode ParseError} for a malformed packet; the shared decoder is then replaced, so
 * one client's garbage never affects another's packets.
 *
 * @example
 * ```ts
 * import { Buffer } from "node:buffer";
 * import { decodePacket } from "./codec.ts";
 * console.assert(decodePacket(Buffer.from([0xc0, 0x00]), 4).cmd === "pingreq");
 * ```
 */
export function decodePacket(frame: Buffer, version: 3 | 4 | 5): Packet {
  // Decoding a CONNECT switches mqtt-packet's parser to the client's version, so CONNECTs get a
  // decoder of their own and the shared ones keep theirs.
  const key: DecoderKey = frame[0] >> 4 === 1 ? "connect" : version === 5 ? 5 : 4;
  const d = decoderFor(key);
  d.parser.parse(frame);
  const packet = d.packets.shift();
  if (d.error || !packet || d.packets.length > 0) {
    decoders.delete(key);
    throw new ParseError(d.error?.message ?? "Packet could not be decoded");
  }
  return packet;
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
    buf = mqttPacket.generate(packet, { protocolVersion: version });
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
