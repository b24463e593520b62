/**
 * A strict reader of MQTT fields for the reference validator: every read past the end, every
 * ill-formed UTF-8 string (or one with U+0000) throws a {@linkcode Malformed} naming the rule.
 *
 * @module
 */

import { PROPERTY_TYPES } from "./mutate.ts";

/** A packet the spec calls malformed or a protocol error: the broker must close. */
export class Malformed extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads fields from a packet body. */
export class Reader {
  at = 0;
  constructor(readonly buf: Uint8Array) {}

  get left(): number {
    return this.buf.length - this.at;
  }

  byte(): number {
    if (this.left < 1) throw new Malformed("field runs past the Remaining Length");
    return this.buf[this.at++];
  }

  u16(): number {
    return (this.byte() << 8) | this.byte();
  }

  u32(): number {
    return ((this.u16() << 16) >>> 0) + this.u16();
  }

  vbi(): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      value += (b & 0x7f) * 128 ** i;
      if ((b & 0x80) === 0) return value;
    }
    throw new Malformed("Variable Byte Integer longer than four bytes (MQTT-1.5.5)");
  }

  binary(): Uint8Array {
    const n = this.u16();
    if (this.left < n) {
      throw new Malformed("string or binary length runs past the Remaining Length");
    }
    return this.buf.subarray(this.at, this.at += n);
  }

  /** A UTF-8 Encoded String (spec 1.5.4): well-formed, no U+0000. */
  string(what: string): string {
    let text: string;
    try {
      text = utf8.decode(this.binary());
    } catch (err) {
      if (err instanceof Malformed) throw err;
      throw new Malformed(`${what} is ill-formed UTF-8 (MQTT-1.5.4-1)`);
    }
    if (text.includes("\0")) throw new Malformed(`${what} contains U+0000 (MQTT-1.5.4-2)`);
    return text;
  }
}

/**
 * Reads a v5 property block allowed to hold `allowed` ids; a property not allowed in this packet,
 * a repeated one (other than User Property), or a block that does not end where its length says
 * is a malformed packet / protocol error (spec 2.2.2.2).
 */
export function readProperties(r: Reader, allowed: number[], where: string): Map<number, unknown> {
  const len = r.vbi();
  if (r.left < len) throw new Malformed(`${where} property length runs past the Remaining Length`);
  const end = r.at + len;
  const sub = new Reader(r.buf.subarray(0, end));
  sub.at = r.at;
  const props = new Map<number, unknown>();
  while (sub.at < end) {
    const id = sub.vbi();
    if (!allowed.includes(id)) {
      throw new Malformed(`${where} has property 0x${id.toString(16)}, not allowed there`);
    }
    if (props.has(id) && id !== 0x26) {
      throw new Malformed(`${where} repeats property 0x${id.toString(16)}`);
    }
    const read: Record<string, () => unknown> = {
      byte: () => sub.byte(),
      u16: () => sub.u16(),
      u32: () => sub.u32(),
      vbi: () => sub.vbi(),
      str: () => sub.string(`${where} property 0x${id.toString(16)}`),
      bin: () => sub.binary(),
      pair: () => [
        sub.string(`${where} user property name`),
        sub.string(`${where} user property value`),
      ],
    };
    props.set(id, read[PROPERTY_TYPES[id]]());
  }
  r.at = end;
  return props;
}
