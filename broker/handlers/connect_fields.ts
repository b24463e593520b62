/**
 * The checks of a CONNECT on its raw frame, before decoding: the protocol level (spec 3.1.2.2) and
 * the v5 properties of the CONNECT and of its will (spec 3.1.2.11, 3.1.3.2): which properties each
 * section allows, each at most once, values in range, every value inside its section. mqtt-packet cannot tell: it decodes any known property anywhere,
 * reads a value past the end of its section into the payload, reads a byte 0x80 as `true`, and a
 * string cut short as null. Other packets' properties are checked in `packet_fields.ts`.
 *
 * @module
 */
import type { IConnectPacket } from "mqtt-packet";
import type { Negotiated } from "../core_types.ts";
import { ConnectRefused, ReasonCode } from "../errors.ts";

type Section = "CONNECT" | "will";
type Kind = "flag" | "u16" | "u32" | "string" | "binary" | "pair";

interface PropertyRule {
  /** Its name in the spec, for messages. */
  name: string;
  kind: Kind;
  /** The section it is allowed in. */
  in: Section;
  /** 0 is a protocol error (Receive Maximum, Maximum Packet Size). */
  notZero?: true;
}

/** Every property a client may put in a CONNECT or a will; any other id is malformed there. */
const RULES: Readonly<Record<number, PropertyRule>> = {
  0x11: { name: "Session Expiry Interval", kind: "u32", in: "CONNECT" },
  0x15: { name: "Authentication Method", kind: "string", in: "CONNECT" },
  0x16: { name: "Authentication Data", kind: "binary", in: "CONNECT" },
  0x17: { name: "Request Problem Information", kind: "flag", in: "CONNECT" },
  0x19: { name: "Request Response Information", kind: "flag", in: "CONNECT" },
  0x21: { name: "Receive Maximum", kind: "u16", in: "CONNECT", notZero: true },
  0x22: { name: "Topic Alias Maximum", kind: "u16", in: "CONNECT" },
  0x27: { name: "Maximum Packet Size", kind: "u32", in: "CONNECT", notZero: true },
  0x01: { name: "Payload Format Indicator", kind: "flag", in: "will" },
  0x02: { name: "Message Expiry Interval", kind: "u32", in: "will" },
  0x03: { name: "Content Type", kind: "string", in: "will" },
  0x08: { name: "Response Topic", kind: "string", in: "will" },
  0x09: { name: "Correlation Data", kind: "binary", in: "will" },
  0x18: { name: "Will Delay Interval", kind: "u32", in: "will" },
} satisfies Record<number, PropertyRule>;

const USER_PROPERTY = 0x26;

const malformed = (message: string) => new ConnectRefused(ReasonCode.MalformedPacket, message);
const protocolError = (message: string) => new ConnectRefused(ReasonCode.ProtocolError, message);

/**
 * The checks of a CONNECT on its raw frame, before decoding. Refuses a protocol level the broker
 * does not speak (spec [MQTT-3.1.2-2]): CONNACK 0x01 for an older level or a bridge's (the high
 * bit set, 0x83 to 0x85: bridge mode is not supported), a v5 CONNACK 0x84 for a newer one. A level
 * it speaks becomes the client's (in `negotiated`), so that a CONNECT found malformed later is refused in the
 * client's own version (v5: CONNACK 0x81). Then a v5 CONNECT's properties are checked by
 * {@linkcode checkConnectProperties}: mqtt-packet's decoding hides what makes them malformed.
 *
 * @example
 * ```ts
 * import { checkProtocolLevel } from "./connect_fields.ts";
 * const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
 * const negotiated: { protocolVersion: 3 | 4 | 5 } = { protocolVersion: 4 };
 * checkProtocolLevel(negotiated, hex("101000044d5154540502000a00000003667a31"));
 * if (negotiated.protocolVersion !== 5) throw new Error("level 5 is the client's");
 * let code = 0;
 * try {
 *   checkProtocolLevel(negotiated, hex("100f00044d5154548402000a0003667a31"));
 * } catch (err) { code = (err as { reasonCode: number }).reasonCode; }
 * if (code !== 0x84) throw new Error("a bridge's level 0x84 was accepted"); // v3.1.1: return code 1
 * ```
 */
export function checkProtocolLevel(
  negotiated: Pick<Negotiated, "protocolVersion">,
  frame: Uint8Array,
): void {
  let pos = 1;
  while (frame[pos++] & 0x80);
  const at = pos + 2 + ((frame[pos] << 8) | frame[pos + 1]);
  if (!(at < frame.length)) return; // too short: the codec reports it
  const level = frame[at] & 0x7f;
  const bridge = (frame[at] & 0x80) !== 0;
  if (level >= 3 && level <= 5) negotiated.protocolVersion = level as 3 | 4 | 5;
  else if (level > 5) negotiated.protocolVersion = 5;
  if (bridge || !(level >= 3 && level <= 5)) {
    throw new ConnectRefused(
      ReasonCode.UnsupportedProtocolVersion,
      bridge
        ? `Protocol level 0x${frame[at].toString(16)}: bridge mode is not supported`
        : `Protocol level ${level} is not supported`,
    );
  }
  checkConnectProperties(frame);
}

/**
 * Throws {@linkcode ConnectRefused} when the raw v5 CONNECT `frame` (fixed header included) has a
 * property its section does not allow or a value cut by its section's length (0x81 malformed), a
 * property other than User Property twice, a Request Problem / Response Information or Payload
 * Format Indicator other than 0 or 1, a Receive Maximum or Maximum Packet Size of 0, or
 * Authentication Data without an Authentication Method (0x82 protocol error, spec 3.1.2.11).
 * Frames of other protocol levels pass.
 *
 * @example
 * ```ts
 * import { checkConnectProperties } from "./connect_fields.ts";
 * const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
 * checkConnectProperties(hex("101200044d5154540502000a0511000000050000")); // Session Expiry 5
 * let code = 0;
 * try {
 *   checkConnectProperties(hex("101000044d5154540502000a0313000a0000")); // Server Keep Alive
 * } catch (err) { code = (err as { reasonCode: number }).reasonCode; }
 * if (code !== 0x81) throw new Error("a CONNACK property was accepted in CONNECT");
 * ```
 */
export function checkConnectProperties(frame: Uint8Array): void {
  const r = new Cursor(frame);
  r.skip(1); // the packet type
  while (r.byte() & 0x80); // the Remaining Length: the framer has checked it
  r.skip(r.u16()); // protocol name
  if (r.byte() !== 5) return;
  const flags = r.byte();
  r.skip(2); // keep alive
  checkSection(r, "CONNECT");
  if ((flags & 0x04) === 0) return;
  r.skip(r.u16()); // client identifier
  checkSection(r, "will");
}

/** Reads one property section at `r`, leaving `r` after it. */
function checkSection(r: Cursor, section: Section): void {
  const end = r.sectionEnd();
  const seen = new Set<number>();
  while (r.pos < end) {
    const id = r.byte();
    const rule = RULES[id];
    if (id !== USER_PROPERTY && rule?.in !== section) {
      throw malformed(`Property 0x${hex(id)} is not allowed in ${where(section)}`);
    }
    const name = rule?.name ?? "User Property";
    if (seen.has(id) && id !== USER_PROPERTY) {
      throw protocolError(`${name} given twice in ${where(section)}`);
    }
    seen.add(id);
    const value = r.value(rule?.kind ?? "pair", end, `${name} of ${where(section)}`);
    if (rule?.kind === "flag" && value > 1) {
      throw protocolError(`${name} must be 0 or 1, not ${value}`);
    }
    if (rule?.notZero && value === 0) throw protocolError(`${name} cannot be 0`);
  }
  if (seen.has(0x16) && !seen.has(0x15)) {
    throw protocolError("Authentication Data without an Authentication Method");
  }
}

/** A read position in a frame; reading past `end` (or the frame) is a malformed CONNECT. */
class Cursor {
  pos = 0;
  #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  byte(): number {
    this.#need(1, this.#bytes.length, "CONNECT");
    return this.#bytes[this.pos++];
  }

  u16(): number {
    return (this.byte() << 8) | this.byte();
  }

  skip(n: number): void {
    this.#need(n, this.#bytes.length, "CONNECT");
    this.pos += n;
  }

  /** Reads a property length (variable byte integer) and returns where the section ends. */
  sectionEnd(): number {
    let length = 0;
    for (let i = 0, byte = 0x80; byte & 0x80; i++) {
      if (i === 4) throw malformed("A property length is longer than four bytes");
      byte = this.byte();
      length += (byte & 0x7f) * 128 ** i;
    }
    this.#need(length, this.#bytes.length, "The properties of CONNECT");
    return this.pos + length;
  }

  /** Skips a value of `kind` that must end by `end`; returns it when it is a number. */
  value(kind: Kind, end: number, what: string): number {
    const fixed = { flag: 1, u16: 2, u32: 4 } as Record<Kind, number | undefined>;
    const size = fixed[kind];
    if (size !== undefined) {
      this.#need(size, end, what);
      let value = 0;
      for (let i = 0; i < size; i++) value = value * 256 + this.#bytes[this.pos++];
      return value;
    }
    for (let fields = kind === "pair" ? 2 : 1; fields > 0; fields--) {
      this.#need(2, end, what);
      const length = (this.#bytes[this.pos] << 8) | this.#bytes[this.pos + 1];
      this.pos += 2;
      this.#need(length, end, what);
      this.pos += length;
    }
    return NaN;
  }

  #need(n: number, end: number, what: string): void {
    if (this.pos + n > end) throw malformed(`${what} runs past its end`);
  }
}

/**
 * Throws {@linkcode ConnectRefused} 0x81 when a decoded CONNECT or will property is null or not a
 * whole number where a number belongs (a value cut short), 0x82 when one is given twice. A second
 * line behind {@linkcode checkConnectProperties}: what the later steps read is well typed.
 *
 * @example
 * ```ts
 * import { checkConnectValues } from "./connect_fields.ts";
 * const connect = { cmd: "connect" as const, clientId: "c", protocolVersion: 5 as const };
 * checkConnectValues({ ...connect, properties: { sessionExpiryInterval: 60 } });
 * let refused = false;
 * try {
 *   checkConnectValues({ ...connect, properties: { sessionExpiryInterval: null as never } });
 * } catch { refused = true; }
 * if (!refused) throw new Error("a null Session Expiry Interval was accepted");
 * ```
 */
export function checkConnectValues(packet: IConnectPacket): void {
  checkValues(packet.properties, "CONNECT");
  checkValues(packet.will?.properties, "will");
}

function checkValues(properties: object | undefined, section: Section): void {
  if (!properties) return; // the common case: nothing to look at, nothing allocated
  for (const [key, value] of Object.entries(properties)) {
    if (key !== "userProperties" && Array.isArray(value)) {
      throw protocolError(`Property ${key} given twice in ${where(section)}`);
    }
    const bad = value === null ||
      (typeof value === "number" && !(Number.isInteger(value) && value >= 0));
    if (bad) throw malformed(`Property ${key} of ${where(section)} is cut short`);
  }
}

function where(section: Section): string {
  return section === "CONNECT" ? "CONNECT" : "the will properties";
}

function hex(id: number): string {
  return id.toString(16).padStart(2, "0");
}
