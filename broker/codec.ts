/**
 * Decoding whole MQTT packets with `mqtt-packet`, through one shared decoder per protocol
 * generation instead of one per connection: the framer hands over complete packets only, so a
 * decoder holds no state between packets, and an idle connection carries no decoder at all.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import mqttPacket, { type Packet } from "mqtt-packet";
import { ParseError } from "./errors.ts";

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
