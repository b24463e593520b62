/**
 * Makes an mqtt-packet parser as strict as the spec where it is lenient. Private to the codec.
 *
 * mqtt-packet 9 decodes every string field (topics, filters, client id, user name, will topic,
 * property strings and user properties) in one method, `_parseString`, with Node's lenient UTF-8
 * decoder: ill-formed bytes become U+FFFD and U+0000 passes. Wrapping that one method checks every
 * string where its bytes are known, exactly and cheaply: a string without U+FFFD was well-formed
 * (the decoder replaces overlongs, surrogates and cut sequences), so only a string containing
 * U+FFFD has its bytes decoded again, strictly. Packet payloads are not strings and are never
 * read here.
 *
 * It also refuses bytes after a packet's last field (mqtt-packet skips them): a CONNECT payload
 * longer than its flags announce, a PUBACK or PINGREQ with a tail. PUBLISH is exempt: its payload
 * is the rest of the packet.
 *
 * And fields that run past their bounds, which mqtt-packet reads as null or lets overrun (spec
 * 1.5.4, 1.5.6, 2.2.2.1): a string or binary field longer than what is left of the packet, a v5
 * property block missing (a PUBLISH that ends after its topic), longer than the packet, or whose
 * last property runs past the block's Property Length. DISCONNECT and AUTH may end before their
 * Property Length (spec 3.14.2.2, 3.15.2.2).
 *
 * These are private members of the pinned mqtt-packet version (deno.json); {@linkcode makeStrict}
 * refuses to run if they are missing; `codec_test.ts` and the conformance suite
 * (`tests/conformance/13_utf8_test.ts`, `21_malformed_after_connect_test.ts`) prove each rule.
 *
 * @module
 */
import type { Parser } from "mqtt-packet";

/** The members of mqtt-packet's Parser that the strict rules hook (mqtt-packet 9.0.2). */
interface ParserInternals {
  _pos: number;
  _list: { slice(start: number, end: number): Uint8Array; readUInt8(offset: number): number };
  packet: { cmd: string; length: number };
  error: Error | null;
  _parseString(): string | null;
  _parseBuffer(): Uint8Array | null;
  _parseProperties(): unknown;
  _parsePayload(): boolean;
  _emitError(err: Error): void;
}

/** Packets whose Property Length may be left out when nothing follows (spec 3.14.2.2, 3.15.2.2). */
const PROPERTIES_OPTIONAL = new Set(["disconnect", "auth"]);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Adds the strict rules to `parser` (in place) and returns it.
 *
 * @example
 * ```ts
 * import mqttPacket from "mqtt-packet";
 * import { makeStrict } from "./_strict_parser.ts";
 * const parser = makeStrict(mqttPacket.parser({ protocolVersion: 4 }));
 * let error = "";
 * parser.on("error", (e: Error) => error = e.message);
 * parser.parse(new Uint8Array([0xc0, 0x01, 0x00]) as never); // PINGREQ with a tail
 * if (!error) throw new Error("a tail was accepted");
 * ```
 */
export function makeStrict<P extends Parser>(parser: P): P {
  const p = parser as unknown as ParserInternals;
  const {
    _parseString: parseString,
    _parseBuffer: parseBuffer,
    _parseProperties: parseProperties,
    _parsePayload: parsePayload,
  } = p;
  if (
    [parseString, parseBuffer, parseProperties, parsePayload].some((f) => typeof f !== "function")
  ) {
    throw new TypeError("Cannot make the mqtt-packet parser strict: its internals changed");
  }
  p._parseString = function (this: ParserInternals) {
    const start = this._pos + 2;
    const s = parseString.call(this);
    const problem = s === null
      ? "A string runs past the end of the packet"
      : stringProblem(s, this, start);
    if (problem) this._emitError(new Error(problem));
    return s;
  };
  p._parseBuffer = function (this: ParserInternals) {
    const b = parseBuffer.call(this);
    if (b === null) this._emitError(new Error("Binary data runs past the end of the packet"));
    return b;
  };
  p._parseProperties = function (this: ParserInternals) {
    const block = propertyBlock(this);
    if (typeof block === "string") {
      this._emitError(new Error(block));
      return {};
    }
    const properties = parseProperties.call(this);
    if (!this.error && block !== null && this._pos !== block) {
      this._emitError(new Error("A property runs past the Property Length"));
    }
    return properties;
  };
  p._parsePayload = function (this: ParserInternals) {
    const done = parsePayload.call(this);
    const { cmd, length } = this.packet;
    if (done && !this.error && cmd !== "publish" && this._pos < length) {
      this._emitError(new Error(`${length - this._pos} bytes after the last field of ${cmd}`));
    }
    return done;
  };
  return parser;
}

/**
 * Where the property block starting at `p._pos` ends, from its Property Length; null when it may be
 * and is left out; a problem when it is missing, cut short or longer than what is left.
 */
function propertyBlock(p: ParserInternals): number | null | string {
  const { cmd, length } = p.packet;
  const at = p._pos;
  if (at >= length) {
    return PROPERTIES_OPTIONAL.has(cmd) ? null : `${cmd} without its Property Length`;
  }
  let size = 0;
  for (let i = 0; i < 4 && at + i < length; i++) {
    const byte = p._list.readUInt8(at + i);
    size += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) !== 0) continue;
    const end = at + i + 1 + size;
    return end <= length ? end : "The Property Length runs past the end of the packet";
  }
  return "The Property Length is cut short or longer than four bytes";
}

/** Why the string `s` just read from `p._list` at `start` is not an MQTT UTF-8 string, if it is not. */
function stringProblem(s: string, p: ParserInternals, start: number): string | undefined {
  if (s.includes("\u0000")) return "A string contains U+0000";
  if (!s.includes("\uFFFD")) return undefined;
  try {
    strictUtf8.decode(p._list.slice(start, p._pos));
  } catch {
    return "A string is not well-formed UTF-8";
  }
}
