/**
 * A changed message answered as a patch (`_batch_codec.ts`): only the fields that differ from the
 * event the plugin was sent cross back — a hook that adds a property sends the properties, not the
 * topic, payload and publisher again. The plugin side compares against what it read (values taken
 * when the request was read, the payload against a private copy of its bytes, so a hook changing
 * the event in place is seen as a change); the host side puts the patch over the event it sent
 * (`batch_call.ts`) and checks the result like any other answer.
 *
 * Layout: `u8 mask` then, in mask order, topic (string), payload (bytes), `u8 qos | retain << 2`,
 * publisher (client id string, `u8` 1 + user name string or 0), properties (a `_value_codec.ts`
 * object). Reading throws FrameError on anything out of place.
 *
 * @module
 */

import { type ByteReader, type ByteWriter, FrameError } from "./_wire_codec.ts";
import type { WireMessage } from "./_message_codec.ts";
import { readValue, writeValue } from "./_value_codec.ts";

const TOPIC = 1, PAYLOAD = 2, FLAGS = 4, FROM = 8, PROPERTIES = 16;

/** What the plugin side keeps of one event it read, to answer with a patch. */
export interface Original {
  topic: string;
  /** The payload's bytes, in a copy the plugin never sees. */
  payload: Uint8Array;
  qos: number;
  retain: boolean;
  clientId: string;
  username: string | null;
  /** Whether the event had any property. */
  properties: boolean;
}

/** What was read of one event, before the plugin sees it. */
export function originalOf(m: WireMessage, payload: Uint8Array): Original {
  const props = m.properties;
  let any = false;
  for (const _ in props) {
    any = true;
    break;
  }
  return {
    topic: m.topic,
    payload,
    qos: m.qos,
    retain: m.retain,
    clientId: m.from.clientId,
    username: m.from.username,
    properties: any,
  };
}

/**
 * Writes `m` as a patch over `o`. Throws NotPlain (properties JSON would write otherwise): the
 * caller writes the whole message instead.
 */
export function writePatch(w: ByteWriter, m: WireMessage, o: Original): void {
  const props = m.properties;
  let mask = 0;
  if (m.topic !== o.topic) mask |= TOPIC;
  if (!sameBytes(m.payload, o.payload)) mask |= PAYLOAD;
  if (m.qos !== o.qos || m.retain !== o.retain) mask |= FLAGS;
  if (m.from.clientId !== o.clientId || m.from.username !== o.username) mask |= FROM;
  if (o.properties || (props !== undefined && Object.keys(props).length > 0)) mask |= PROPERTIES;
  w.u8(mask);
  if (mask & TOPIC) w.str(m.topic);
  if (mask & PAYLOAD) w.bytesOf(m.payload);
  if (mask & FLAGS) w.u8(m.qos | (m.retain ? 4 : 0));
  if (mask & FROM) {
    w.str(m.from.clientId);
    w.u8(m.from.username === null ? 0 : 1);
    if (m.from.username !== null) w.str(m.from.username);
  }
  if (mask & PROPERTIES) writeValue(w, props ?? {});
}

/** Reads a patch: the fields it replaces. */
export function readPatch(r: ByteReader): Record<string, unknown> {
  const mask = r.u8();
  if (mask > 31) throw new FrameError("bad patch mask");
  const patch: Record<string, unknown> = {};
  if (mask & TOPIC) patch.topic = r.str();
  if (mask & PAYLOAD) patch.payload = r.bytes();
  if (mask & FLAGS) {
    const f = r.u8();
    if ((f & 3) === 3 || f > 7) throw new FrameError("bad patch flags");
    patch.qos = f & 3;
    patch.retain = (f & 4) !== 0;
  }
  if (mask & FROM) {
    const clientId = r.str();
    const named = r.u8();
    if (named > 1) throw new FrameError("bad patch publisher");
    patch.from = { clientId, username: named ? r.str() : null };
  }
  if (mask & PROPERTIES) {
    const p = readValue(r);
    if (p === null || typeof p !== "object" || Array.isArray(p) || p instanceof Uint8Array) {
      throw new FrameError("patch properties are not an object");
    }
    patch.properties = p;
  }
  return patch;
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
