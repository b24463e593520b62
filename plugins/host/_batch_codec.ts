/**
 * The binary records of a batch-level hook call (frames.ts): a `hooks` request whose events are
 * all messages, and its answer, one item per event. Every message is a `_wire_codec.ts` record; an
 * answer item is one tag byte, then a message, an error text or JSON only when it has one.
 *
 * An answer that returns an event's message exactly as it came crosses as one byte (`SAME`): the
 * side that read the request keeps each event's record bytes until it answers (by request id) and
 * compares the answer's record with them, so the broker keeps its own message and skips reading
 * and checking it again. Only a byte-for-byte equal record is `SAME`.
 *
 * Readers are hostile-input safe: counts are checked against the bytes left; FrameError otherwise.
 *
 * @module
 */

import { type ByteReader, type ByteWriter, FrameError } from "./_wire_codec.ts";
import { isWireMessage, readMessage, writeMessage } from "./_message_codec.ts";
import { type Original, originalOf, readPatch, sameBytes, writePatch } from "./_message_patch.ts";
import { NotPlain } from "./_value_codec.ts";

/** Record tags (frames.ts keeps 0-4). */
export const HOOK_BATCH = 5, ANSWER_BATCH = 6;
/** Answer item tags. */
const A_MESSAGE = 0, A_NULL = 1, A_NONE = 2, A_SAME = 3, A_ERROR = 4, A_JSON = 5, A_PATCH = 6;

/** What was read of one event: its record's bytes and its fields (`_message_patch.ts`). */
interface Kept {
  record: Uint8Array;
  original: Original;
}

/** The events of requests read and not answered yet, by request id. */
const originals = new Map<number, Kept[]>();
/** Requests kept at most (a host that never reads its answers must not grow this). */
const MAX_KEPT = 4096;

/** Writes a `hooks` request whose events are all messages; false (nothing written) otherwise. */
export function writeHookBatch(w: ByteWriter, id: number, a: unknown): boolean {
  const { h, es } = (a ?? {}) as { h?: unknown; es?: unknown };
  if (typeof h !== "string" || !Array.isArray(es) || !es.every(isWireMessage)) return false;
  w.u8(HOOK_BATCH);
  w.u32(id);
  w.str(h);
  w.u32(es.length);
  for (const m of es) writeMessage(w, m);
  return true;
}

/** Reads a `hooks` request; keeps each event's record bytes for its answer. */
export function readHookBatch(r: ByteReader): unknown {
  const id = r.u32();
  const h = r.str();
  const n = count(r);
  const es: ReturnType<typeof readMessage>[] = [], ends: number[] = [];
  const first = r.at;
  for (let i = 0; i < n; i++) {
    es.push(readMessage(r));
    ends.push(r.at - first);
  }
  // One copy of the records: a hook changing a payload in place (a view) does not change them.
  const copy = r.buf.slice(first, r.at);
  const kept = es.map((m, i): Kept => {
    const record = copy.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
    const at = 1 + 4 + new DataView(copy.buffer, record.byteOffset + 1, 4).getUint32(0) + 4;
    const payload = record.subarray(at, at + m.payload.length);
    return { record, original: originalOf(m, payload) };
  });
  if (originals.size >= MAX_KEPT) originals.clear();
  originals.set(id, kept);
  return { t: "req", id, m: "hooks", a: { h, es } };
}

/** Forgets the events of request `id` (answered, maybe with an error). */
export function answered(id: number): void {
  originals.delete(id);
}

/** Writes the answers to a `hooks` request; false (nothing written) when one has another shape. */
export function writeAnswerBatch(w: ByteWriter, id: number, v: unknown): boolean {
  if (!Array.isArray(v) || !v.every(isAnswer)) return false;
  const kept = originals.get(id);
  originals.delete(id);
  w.u8(ANSWER_BATCH);
  w.u32(id);
  w.u32(v.length);
  v.forEach((a, i) => writeItem(w, a, kept?.[i]));
  return true;
}

function isAnswer(a: unknown): boolean {
  if (a === null || typeof a !== "object") return false;
  const x = a as Record<string, unknown>;
  return typeof x.error === "string" || x.same === true || Object.hasOwn(x, "v");
}

function writeItem(w: ByteWriter, a: Record<string, unknown>, kept?: Kept): void {
  if (typeof a.error === "string") {
    w.u8(A_ERROR);
    return w.str(a.error);
  }
  if (a.same === true) return w.u8(A_SAME);
  const v = a.v;
  if (v === null || v === undefined) return w.u8(v === null ? A_NULL : A_NONE);
  if (!isWireMessage(v)) {
    w.u8(A_JSON);
    return w.json(v);
  }
  const start = w.length;
  w.u8(A_MESSAGE);
  writeMessage(w, v);
  if (!kept) return;
  if (sameBytes(w.bytes().subarray(start + 1), kept.record)) {
    w.truncate(start);
    return w.u8(A_SAME);
  }
  w.truncate(start); // a patch in place of the whole message
  try {
    w.u8(A_PATCH);
    writePatch(w, v, kept.original);
  } catch (err) {
    if (!(err instanceof NotPlain)) throw err;
    w.truncate(start);
    w.u8(A_MESSAGE);
    writeMessage(w, v);
  }
}

/** Reads the answers to a `hooks` request. */
export function readAnswerBatch(r: ByteReader): unknown {
  const id = r.u32();
  const n = count(r);
  const v: unknown[] = [];
  for (let i = 0; i < n; i++) v.push(readItem(r));
  return { t: "res", id, ok: true, v };
}

function readItem(r: ByteReader): unknown {
  const tag = r.u8();
  switch (tag) {
    case A_MESSAGE:
      return { v: readMessage(r) };
    case A_NULL:
      return { v: null };
    case A_NONE:
      return { v: undefined };
    case A_SAME:
      return { same: true };
    case A_ERROR:
      return { error: r.str() };
    case A_JSON:
      return { v: r.json() };
    case A_PATCH:
      return { patch: readPatch(r) };
    default:
      throw new FrameError(`unknown answer tag ${tag}`);
  }
}

/** A count of items, each at least one byte: never more than the bytes left. */
function count(r: ByteReader): number {
  const n = r.u32();
  if (n > r.buf.length - r.at) throw new FrameError("too many items for the frame");
  return n;
}
