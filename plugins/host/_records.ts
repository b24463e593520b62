/**
 * The records of a batch frame (frames.ts): one per rpc.ts frame. A frame that carries messages
 * (a `hook` request whose event is a message, an answer that is a message, `null` or nothing, a
 * `hooks` batch and its answers) is a compact binary record; any other a JSON record with its
 * binary values lifted out. Reading throws FrameError on anything out of place.
 *
 * @module
 */

import type { ByteReader, ByteWriter } from "./_wire_codec.ts";
import { FrameError, isWireMessage, readMessage, writeMessage } from "./_wire_codec.ts";
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
  w.u8(JSON_RECORD);
  w.json(item);
}

/** Reads one record back as an rpc.ts frame. */
export function readRecord(r: ByteReader): unknown {
  const tag = r.u8();
  switch (tag) {
    case JSON_RECORD:
      return r.json();
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
