/**
 * A compact tagged binary layout for JSON-like values (frames.ts records): what a notify event or
 * any other plain value becomes instead of JSON text. Bytes (`Uint8Array`, a Node `Buffer`
 * included) are written as they are, never through `toJSON`; numbers as int32 or float64; objects
 * as their own enumerable keys. The meaning follows JSON's: `undefined`, functions and symbols are
 * left out of objects and become `null` in arrays, a number that is not finite becomes `null`.
 * A value JSON would write differently (`toJSON`, a cycle, nesting deeper than
 * {@linkcode MAX_DEPTH}) is refused with {@linkcode NotPlain}: the caller falls back to JSON.
 *
 * The reader is hostile-input safe: counts are checked against the bytes left, nesting is bounded,
 * a `__proto__` key becomes an own property, anything out of place throws FrameError.
 *
 * @module
 */

import { type ByteReader, type ByteWriter, FrameError } from "./_wire_codec.ts";

/** Nesting allowed at most (either side). */
export const MAX_DEPTH = 64;

const UNDEFINED = 0, NULL = 1, FALSE = 2, TRUE = 3, INT = 4, FLOAT = 5, STRING = 6, BYTES = 7;
const ARRAY = 8, OBJECT = 9;

/** A value the compact layout does not write the way JSON would: write it as JSON instead. */
export class NotPlain extends Error {
  override name = "NotPlain";
}

/**
 * Writes `v` (see the module doc); throws {@linkcode NotPlain} for a value JSON would treat
 * otherwise, leaving the writer's length to be truncated by the caller.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteReader, ByteWriter } from "./_wire_codec.ts";
 * import { readValue, writeValue } from "./_value_codec.ts";
 * const w = new ByteWriter();
 * writeValue(w, { type: "publish", n: 1.5, payload: new Uint8Array([1, 2]), gone: undefined });
 * assert.deepEqual(readValue(new ByteReader(w.bytes())), {
 *   type: "publish",
 *   n: 1.5,
 *   payload: new Uint8Array([1, 2]),
 * });
 * ```
 */
export function writeValue(w: ByteWriter, v: unknown, depth = 0): void {
  switch (typeof v) {
    case "string":
      if (!v.isWellFormed()) throw new NotPlain("a lone surrogate"); // JSON keeps it as it is
      w.u8(STRING);
      return w.str(v);
    case "number":
      if ((v | 0) === v && !Object.is(v, -0)) {
        w.u8(INT);
        return w.u32(v >>> 0);
      }
      if (!Number.isFinite(v)) return w.u8(NULL);
      w.u8(FLOAT);
      return w.f64(v);
    case "boolean":
      return w.u8(v ? TRUE : FALSE);
    case "undefined":
      return w.u8(UNDEFINED);
    case "object":
      return writeObject(w, v, depth);
    default:
      throw new NotPlain(`a ${typeof v} value`);
  }
}

function writeObject(w: ByteWriter, v: object | null, depth: number): void {
  if (v === null) return w.u8(NULL);
  if (v instanceof Uint8Array) {
    w.u8(BYTES);
    return w.bytesOf(v);
  }
  if (depth >= MAX_DEPTH) throw new NotPlain("nested too deep");
  if (Array.isArray(v)) {
    w.u8(ARRAY);
    w.u32(v.length);
    for (const x of v) writeValue(w, skipped(x) ? null : x, depth + 1);
    return;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") throw new NotPlain("toJSON");
  w.u8(OBJECT);
  const count = w.hole();
  let n = 0;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (skipped(x)) continue;
    writeKey(w, k);
    writeValue(w, x, depth + 1);
    n++;
  }
  w.patch(count, n);
}

/** Keys a frame's table holds at most (the rest are written out each time). */
const MAX_KEYS = 1024;
/** The top bit of a key's length marks a reference to a key written earlier in the frame. */
const KEY_REF = 0x8000_0000;

/** Writes an object key: the first time in a frame as a string, then as its index. */
function writeKey(w: ByteWriter, k: string): void {
  const i = w.keys.get(k);
  if (i !== undefined) return w.u32(KEY_REF | i);
  if (!k.isWellFormed()) throw new NotPlain("a lone surrogate");
  if (w.keys.size < MAX_KEYS) w.addKey(k);
  w.str(k);
}

function readKey(r: ByteReader): string {
  const n = r.u32();
  if (n & KEY_REF) {
    const k = r.keys[n & ~KEY_REF];
    if (k === undefined) throw new FrameError("a key refers to no key read before");
    return k;
  }
  const k = r.strOf(n);
  if (r.keys.length < MAX_KEYS) r.keys.push(k);
  return k;
}

/** What JSON leaves out of an object (and writes as null in an array). */
function skipped(x: unknown): boolean {
  return x === undefined || typeof x === "function" || typeof x === "symbol";
}

/**
 * Reads a value written by {@linkcode writeValue}; throws FrameError.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteReader, FrameError } from "./_wire_codec.ts";
 * import { readValue } from "./_value_codec.ts";
 * assert.throws(() => readValue(new ByteReader(new Uint8Array([8, 255, 255, 255, 255]))), FrameError);
 * ```
 */
export function readValue(r: ByteReader, depth = 0): unknown {
  const tag = r.u8();
  switch (tag) {
    case UNDEFINED:
      return undefined;
    case NULL:
      return null;
    case FALSE:
      return false;
    case TRUE:
      return true;
    case INT:
      return r.u32() | 0;
    case FLOAT:
      return r.f64();
    case STRING:
      return r.str();
    case BYTES:
      return r.bytes();
    case ARRAY:
    case OBJECT:
      if (depth >= MAX_DEPTH) throw new FrameError("a value is nested too deep");
      return tag === ARRAY ? readArray(r, depth + 1) : readObject(r, depth + 1);
    default:
      throw new FrameError(`unknown value tag ${tag}`);
  }
}

function readArray(r: ByteReader, depth: number): unknown[] {
  const n = itemCount(r);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readValue(r, depth);
  return out;
}

function readObject(r: ByteReader, depth: number): Record<string, unknown> {
  const n = itemCount(r);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = readKey(r);
    const x = readValue(r, depth);
    if (k === "__proto__") {
      Object.defineProperty(out, k, {
        value: x,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else out[k] = x;
  }
  return out;
}

/** A count of items, each at least one byte: never more than the bytes left. */
function itemCount(r: ByteReader): number {
  const n = r.u32();
  if (n > r.buf.length - r.at) throw new FrameError("too many items for the frame");
  return n;
}
