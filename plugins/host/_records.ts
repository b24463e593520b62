/**
 * The records of a batch frame (frames.ts): one per rpc.ts frame. A frame that carries messages
 * (a `hook` request whose event is a message, an answer that is a message, `null` or nothing, a
 * `hooks` batch and its answers) is a compact binary record; any other a JSON record with its
 * binary values lifted out. Reading throws FrameError on anything out of place.
 *
 * @module
 */

import type { ByteReader, ByteWriter } from "./_wire_codec.ts";
import { FrameError } from "./_wire_codec.ts";
import { isWireMessage, readMessage, writeMessage } from "./_message_codec.ts";
import { NotPlain, readValue, writeValue } from "./_value_codec.ts";
import {
  ANSWER_BATCH,
  answered,
  HOOK_BATCH,
  readAnswerBatch,
  readHookBatch,
  writeAnswerBatch,
  writeHookBatch,
} from "./_batch_codec.ts";

/** Record tags inside a batch (`_batch_codec.ts` adds 5 and 6). */
const JSON_RECORD = 0, HOOK_MESSAGE = 1, ANSWER_MESSAGE = 2, ANSWER_NULL = 3, ANSWER_NONE = 4;
/** A run of `notify` messages of one hookpoint; any other frame as a `_value_codec.ts` value. */
const NOTIFY_RUN = 7, VALUE_RECORD = 8;

/**
 * Writes the frames of one batch: consecutive `notify` messages of one hookpoint share one
 * record (the hookpoint written once, then each event as a compact value); the rest one record
 * each ({@linkcode writeRecord}).
 */
export function writeRecords(w: ByteWriter, items: readonly unknown[]): void {
  for (let i = 0; i < items.length;) {
    const h = notifyHook(items[i]);
    if (h === null) {
      writeRecord(w, items[i++]);
      continue;
    }
    let end = i + 1;
    while (end < items.length && notifyHook(items[end]) === h) end++;
    i = writeNotifyRun(w, h, items, i, end);
  }
}

/** The hookpoint of a `notify` message frame, else null. */
function notifyHook(item: unknown): string | null {
  const f = item as { t?: unknown; m?: unknown; a?: { h?: unknown } | null } | null;
  if (f?.t !== "msg" || f.m !== "notify") return null;
  const h = f.a?.h;
  return typeof h === "string" && h.isWellFormed() ? h : null;
}

/**
 * Writes `items[from..end)` (notify messages of `h`) as one run; an event the compact layout
 * refuses ends the run there and crosses on its own. Returns the index of the next item to write.
 */
function writeNotifyRun(
  w: ByteWriter,
  h: string,
  items: readonly unknown[],
  from: number,
  end: number,
): number {
  const start = w.length;
  w.u8(NOTIFY_RUN);
  w.str(h);
  const count = w.hole();
  let i = from;
  for (; i < end; i++) {
    const at = w.length;
    try {
      writeValue(w, (items[i] as { a: { e: unknown } }).a.e);
    } catch (err) {
      if (!(err instanceof NotPlain)) throw err;
      w.truncate(at);
      break;
    }
  }
  if (i === from) w.truncate(start);
  else w.patch(count, i - from);
  if (i < end) writeRecord(w, items[i++]);
  return i;
}

/** Reads one record into `out` (a notify run is several frames). */
export function readRecords(r: ByteReader, out: unknown[]): void {
  if (r.buf[r.at] !== NOTIFY_RUN) return void out.push(readRecord(r));
  r.u8();
  const h = r.str();
  const n = r.u32();
  if (n > r.buf.length - r.at) throw new FrameError("too many events for the frame");
  for (let i = 0; i < n; i++) out.push({ t: "msg", m: "notify", a: { h, e: readValue(r) } });
}

/** Writes one rpc.ts frame as a record. */
export function writeRecord(w: ByteWriter, item: unknown): void {
  const f = item as Record<string, unknown> | null;
  const id = f?.id;
  if (typeof id === "number" && id > 0 && id <= 0xffff_ffff && Number.isInteger(id)) {
    const a = f!.a as Record<string, unknown> | null | undefined;
    if (f!.t === "req" && f!.m === "hook" && typeof a?.h === "string" && isWireMessage(a.e)) {
      w.u8(HOOK_MESSAGE);
      w.u32(id);
      w.str(a.h);
      return writeMessage(w, a.e);
    }
    if (f!.t === "req" && f!.m === "hooks" && writeHookBatch(w, id, a)) return;
    if (f!.t === "res" && f!.ok === true && Array.isArray(f!.v) && writeAnswerBatch(w, id, f!.v)) {
      return;
    }
    if (f!.t === "res") answered(id);
    if (f!.t === "res" && f!.ok === true) {
      const v = f!.v;
      if (v === null || (v === undefined && Object.hasOwn(f!, "v"))) {
        w.u8(v === null ? ANSWER_NULL : ANSWER_NONE);
        return w.u32(id);
      }
      if (isWireMessage(v)) {
        w.u8(ANSWER_MESSAGE);
        w.u32(id);
        return writeMessage(w, v);
      }
    }
  }
  const start = w.length;
  try {
    w.u8(VALUE_RECORD);
    return writeValue(w, item);
  } catch (err) {
    if (!(err instanceof NotPlain)) throw err;
    w.truncate(start);
  }
  w.u8(JSON_RECORD);
  w.json(item);
}

/** Reads one record back as an rpc.ts frame. */
export function readRecord(r: ByteReader): unknown {
  const tag = r.u8();
  switch (tag) {
    case JSON_RECORD:
      return r.json();
    case VALUE_RECORD:
      return readValue(r);
    case HOOK_MESSAGE: {
      const id = r.u32();
      const h = r.str();
      return { t: "req", id, m: "hook", a: { h, e: readMessage(r) } };
    }
    case ANSWER_MESSAGE: {
      const id = r.u32();
      return { t: "res", id, ok: true, v: readMessage(r) };
    }
    case ANSWER_NULL:
      return { t: "res", id: r.u32(), ok: true, v: null };
    case ANSWER_NONE:
      return { t: "res", id: r.u32(), ok: true, v: undefined };
    case HOOK_BATCH:
      return readHookBatch(r);
    case ANSWER_BATCH:
      return readAnswerBatch(r);
    default:
      throw new FrameError(`unknown record tag ${tag}`);
  }
}
