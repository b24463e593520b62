/**
 * Splits a byte stream into whole MQTT packets before decoding, so that the broker can enforce its
 * maximum packet size from the fixed header alone (spec 2.1.4, 3.1.2.24) and never buffers more
 * than one oversized header's worth of bytes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { MqttError, ParseError, ReasonCode } from "./errors.ts";

/**
 * Accumulates chunks and yields complete packets.
 *
 * @example
 * ```ts
 * import { Framer } from "./framer.ts";
 * const framer = new Framer(1024);
 * const packets: Uint8Array[] = [];
 * framer.push(new Uint8Array([0xc0, 0x00, 0xc0]), (p) => packets.push(p)); // PINGREQ + a partial one
 * framer.push(new Uint8Array([0x00]), (p) => packets.push(p));
 * if (packets.length !== 2) throw new Error("two PINGREQs");
 * ```
 */
export class Framer {
  #pending: Buffer | null = null;
  /** Largest whole packet accepted. */
  maxPacketSize: number;

  /** @param maxPacketSize largest whole packet accepted, in bytes */
  constructor(maxPacketSize: number) {
    this.maxPacketSize = maxPacketSize;
  }

  /**
   * Adds `chunk` and calls `onPacket` with each complete packet, in order.
   * Throws {@linkcode ParseError} for a malformed length and {@linkcode MqttError} 0x95 for an
   * oversized packet, after handing over every whole packet before it: those are to be handled
   * first (spec 4.6), then the connection fails with the error.
   */
  push(chunk: Uint8Array, onPacket: (packet: Buffer) => void): void {
    let buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : toBuffer(chunk);
    this.#pending = null;
    let offset = 0;
    while (offset < buf.length) {
      const header = readLength(buf, offset + 1);
      if (header === undefined) break; // length not complete yet
      const total = 1 + header.bytes + header.length;
      if (total > this.maxPacketSize) {
        throw new MqttError(
          ReasonCode.PacketTooLarge,
          `Packet of ${total} bytes exceeds the maximum of ${this.maxPacketSize}`,
        );
      }
      if (offset + total > buf.length) break;
      onPacket(buf.subarray(offset, offset + total));
      offset += total;
    }
    if (offset < buf.length) {
      // Copy so that the caller's chunk (and the packets already handed out) can be released.
      buf = Buffer.from(buf.subarray(offset));
      this.#pending = buf;
    }
  }
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** Decodes the variable-length Remaining Length at `pos`; undefined when more bytes are needed. */
function readLength(buf: Buffer, pos: number): { length: number; bytes: number } | undefined {
  let length = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= buf.length) return undefined;
    const byte = buf[pos + i];
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { length, bytes: i + 1 };
    multiplier *= 128;
  }
  throw new ParseError("Remaining length is longer than four bytes");
}
