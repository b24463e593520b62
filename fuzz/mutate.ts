/**
 * Mutations of one encoded packet: bit flips, truncations, Remaining Length lies, inner string and
 * property length lies, random properties, ill-formed UTF-8, wrong flags and types. Most keep the
 * Remaining Length true to the new body (so the decoder sees broken contents), some lie about it.
 *
 * @module
 */
import type { Rng } from "./prng.ts";
import { frame, vbi } from "./bytes.ts";

/** Property identifiers of MQTT 5 by value type (spec 2.2.2.2). */
export const PROPERTY_TYPES: Record<
  number,
  "byte" | "u16" | "u32" | "vbi" | "str" | "bin" | "pair"
> = {
  0x01: "byte",
  0x02: "u32",
  0x03: "str",
  0x08: "str",
  0x09: "bin",
  0x0b: "vbi",
  0x11: "u32",
  0x12: "str",
  0x13: "u16",
  0x15: "str",
  0x16: "bin",
  0x17: "byte",
  0x18: "u32",
  0x19: "byte",
  0x1a: "str",
  0x1c: "str",
  0x1f: "str",
  0x21: "u16",
  0x22: "u16",
  0x23: "u16",
  0x24: "byte",
  0x25: "byte",
  0x26: "pair",
  0x27: "u32",
  0x28: "byte",
  0x29: "byte",
  0x2a: "byte",
}; // deno-fmt-ignore
const PROPERTY_IDS = Object.keys(PROPERTY_TYPES).map(Number);
const BAD_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x00], [0xe2, 0x82], [0xf8, 0x88]];

/** The fixed header of `pkt`: first byte, Remaining Length, where the body starts (or null). */
export function header(pkt: Uint8Array): { first: number; length: number; start: number } | null {
  let length = 0;
  for (let i = 1; i <= 4 && i < pkt.length; i++) {
    length += (pkt[i] & 0x7f) * 128 ** (i - 1);
    if ((pkt[i] & 0x80) === 0) return { first: pkt[0], length, start: i + 1 };
  }
  return null;
}

/** Where the v5 property length of `body` (a packet of `first`) starts, if it has one. */
export function propertiesOffset(first: number, body: Uint8Array): number | undefined {
  const type = first >> 4;
  const u16 = (at: number) => at + 1 < body.length ? (body[at] << 8) | body[at + 1] : -1;
  let at: number | undefined;
  if (type === 1) at = u16(0) < 0 ? undefined : 2 + u16(0) + 4;
  else if (type === 3) at = u16(0) < 0 ? undefined : 2 + u16(0) + ((first >> 1) & 3 ? 2 : 0);
  else if (type >= 4 && type <= 7) at = body.length > 3 ? 3 : undefined;
  else if (type === 8 || type === 10) at = 2;
  else if (type === 14 || type === 15) at = body.length > 1 ? 1 : undefined;
  return at !== undefined && at < body.length ? at : undefined;
}

function readVbi(buf: Uint8Array, at: number): { value: number; size: number } {
  let value = 0;
  for (let i = 0; i < 4 && at + i < buf.length; i++) {
    value += (buf[at + i] & 0x7f) * 128 ** i;
    if ((buf[at + i] & 0x80) === 0) return { value, size: i + 1 };
  }
  return { value, size: 1 };
}

function str(rng: Rng): number[] {
  const text = [...new TextEncoder().encode(rng.pick(["", "a", "é", "a/b", "#", "+/x"]))];
  if (rng.chance(0.3)) text.splice(rng.int(text.length + 1), 0, ...rng.pick(BAD_UTF8));
  return [text.length >> 8, text.length & 0xff, ...text];
}

/** One random property: a known id with a value of its type (or a wrong one), or a junk id. */
export function randomProperty(rng: Rng): number[] {
  const id = rng.chance(0.85) ? rng.pick(PROPERTY_IDS) : rng.pick([0, 0x7f, 0x2b, 0x40]);
  const type = rng.chance(0.9) ? PROPERTY_TYPES[id] ?? "byte" : rng.pick(["byte", "u32", "str"]);
  const n = rng.edgy(0xffffffff);
  const value: Record<string, () => number[]> = {
    byte: () => [rng.pick([0, 1, 2, 0xff])],
    u16: () => [(n >> 8) & 0xff, n & 0xff],
    u32: () => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff],
    vbi: () => vbi(rng.edgy(268435455)),
    str: () => str(rng),
    bin: () => [0, 2, ...rng.bytes(2)],
    pair: () => [...str(rng), ...str(rng)],
  };
  return [id, ...value[type]()];
}

type Body = { first: number; body: Uint8Array };
type Mutation = (rng: Rng, p: Body) => Body | Uint8Array;

function splice(
  body: Uint8Array,
  at: number,
  remove: number,
  insert: ArrayLike<number>,
): Uint8Array {
  at = Math.min(at, body.length);
  remove = Math.min(remove, body.length - at);
  const out = new Uint8Array(body.length - remove + insert.length);
  out.set(body.subarray(0, at));
  out.set(insert, at);
  out.set(body.subarray(at + remove), at + insert.length);
  return out;
}

/** Offsets that look like the two-byte length of a string inside `body`. */
function lengthFields(body: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < body.length; i++) {
    const n = (body[i] << 8) | body[i + 1];
    if (n > 0 && n <= body.length - i - 2) out.push(i);
  }
  return out;
}

const MUTATIONS: Record<string, Mutation> = {
  bitFlip: (rng, { first, body }) => {
    const all = frame(first, body);
    for (let n = rng.range(1, 3); n > 0; n--) all[rng.int(all.length)] ^= 1 << rng.int(8);
    return all;
  },
  bodyBitFlip: (rng, { first, body }) => {
    const b = body.slice();
    if (b.length > 0) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return { first, body: b };
  },
  edgeByte: (rng, { first, body }) => {
    const b = body.slice();
    if (b.length > 0) b[rng.int(b.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x01]);
    return { first, body: b };
  },
  truncateBody: (rng, { first, body }) => ({
    first,
    body: body.subarray(0, rng.int(body.length + 1)),
  }),
  truncate: (rng, { first, body }) => {
    const all = frame(first, body);
    return all.subarray(0, rng.range(1, Math.max(1, all.length - 1)));
  },
  trailing: (rng, { first, body }) => ({
    first,
    body: splice(body, body.length, 0, rng.bytes(rng.range(1, 4))),
  }),
  insert: (rng, { first, body }) => ({
    first,
    body: splice(body, rng.int(body.length + 1), 0, rng.bytes(rng.range(1, 3))),
  }),
  remove: (rng, { first, body }) => ({
    first,
    body: splice(body, rng.int(body.length + 1), rng.range(1, 3), []),
  }),
  remainingLengthLie: (rng, { first, body }) => {
    const n = Math.max(0, body.length + rng.pick([-3, -2, -1, 1, 2, 3, 100, 70000]));
    const len = rng.chance(0.15)
      ? [0xff, 0xff, 0xff, 0xff, 0x7f]
      : rng.chance(0.1)
      ? [...vbi(n)].map((b) => b | 0x80).concat([0])
      : vbi(n);
    return new Uint8Array([first, ...len, ...body]);
  },
  stringLengthLie: (rng, { first, body }) => {
    const fields = lengthFields(body);
    if (fields.length === 0) return { first, body };
    const at = rng.pick(fields), b = body.slice();
    const n = rng.chance(0.3)
      ? rng.pick([0, 0xffff])
      : ((b[at] << 8) | b[at + 1]) + rng.pick([-2, -1, 1, 2]);
    b[at] = (n >> 8) & 0xff, b[at + 1] = n & 0xff;
    return { first, body: b };
  },
  badUtf8: (rng, { first, body }) => {
    const fields = lengthFields(body);
    if (fields.length === 0) return { first, body };
    const at = rng.pick(fields), len = (body[at] << 8) | body[at + 1];
    const bad = rng.pick(BAD_UTF8).slice(0, len);
    const b = body.slice();
    b.set(bad, at + 2 + rng.int(len - bad.length + 1));
    return { first, body: b };
  },
  propertyLengthLie: (rng, { first, body }) => {
    const at = propertiesOffset(first, body);
    if (at === undefined) return { first, body };
    const { value, size } = readVbi(body, at);
    return {
      first,
      body: splice(body, at, size, vbi(Math.max(0, value + rng.pick([-2, -1, 1, 2, 1000])))),
    };
  },
  randomProperties: (rng, { first, body }) => {
    const at = propertiesOffset(first, body);
    if (at === undefined) return { first, body };
    const { value, size } = readVbi(body, at);
    const props: number[] = [];
    for (let n = rng.range(1, 3); n > 0; n--) props.push(...randomProperty(rng));
    return { first, body: splice(body, at, size + value, [...vbi(props.length), ...props]) };
  },
  flags: (rng, { first, body }) => ({ first: (first & 0xf0) | rng.int(16), body }),
  type: (rng, { first, body }) => ({ first: (rng.int(16) << 4) | (first & 0x0f), body }),
};

/** Names of every mutation, for reports. */
export const MUTATION_NAMES: readonly string[] = Object.keys(MUTATIONS);

/**
 * Applies one random mutation (or `name`) to an encoded packet; returns the new bytes and the
 * mutation's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mutate } from "./mutate.ts";
 * import { Rng } from "./prng.ts";
 * const { bytes } = mutate(new Rng(1), new Uint8Array([0xc0, 0x00]), "trailing");
 * assert.equal(bytes[1], bytes.length - 2); // the Remaining Length is kept true
 * ```
 */
export function mutate(
  rng: Rng,
  pkt: Uint8Array,
  name?: string,
): { bytes: Uint8Array; name: string } {
  const h = header(pkt);
  const chosen = name ?? rng.pick(MUTATION_NAMES);
  if (!h) return { bytes: pkt, name: "none" };
  const out = MUTATIONS[chosen](rng, { first: h.first, body: pkt.subarray(h.start) });
  return { bytes: out instanceof Uint8Array ? out : frame(out.first, out.body), name: chosen };
}
