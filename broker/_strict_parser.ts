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
 * These are private members of the pinned mqtt-packet version (deno.json); {@linkcode makeStrict}
 * refuses to run if they are missing, and `codec_test.ts` proves each rule.
 *
 * @module
 */
import type { Parser } from "mqtt-packet";

/** The members of mqtt-packet's Parser that the strict rules hook (mqtt-packet 9.0.2). */
interface ParserInternals {
  _pos: number;
  _list: { slice(start: number, end: number): Uint8Array };
  packet: { cmd: string; length: number };
  error: Error | null;
  _parseString(): string | null;
  _parsePayload(): boolean;
  _emitError(err: Error): void;
}

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
  const { _parseString: parseString, _parsePayload: parsePayload } = p;
  if (typeof parseString !== "function" || typeof parsePayload !== "function") {
    throw new TypeError("Cannot make the mqtt-packet parser strict: its internals changed");
  }
  p._parseString = function (this: ParserInternals) {
    const start = this._pos + 2;
    const s = parseString.call(this);
    if (s !== null) {
      const problem = stringProblem(s, this, start);
      if (problem) this._emitError(new Error(problem));
    }
    return s;
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
