/**
 * The compact binary layout of a message (frames.ts): a `hook` request whose event is a message,
 * an answer whose value is one, and each event of a `hooks` batch. A message is written once as
 * topic, payload, QoS/retain flags, publisher and (only when present) its properties, instead of
 * as JSON text. Reading throws FrameError on anything out of place.
 *
 * @module
 */

import { type ByteReader, type ByteWriter, FrameError } from "./_wire_codec.ts";

/** Flags of a message record. */
const RETAIN = 4, USERNAME = 8, PROPERTIES = 16, CORRELATION = 32;

/** A value with a message's shape, as a hook sees one (extra fields do not cross). */
export interface WireMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: Record<string, unknown>;
  from: { clientId: string; username: string | null };
}

/**
 * Whether `v` can cross as a message record: the fields a message has, of their types. Anything
 * else crosses as JSON (and is read by the same checks on arrival).
 */
export function isWireMessage(v: unknown): v is WireMessage {
  if (v === null || typeof v !== "object") return false;
  const m = v as Record<string, unknown>;
  const from = m.from as Record<string, unknown> | null | undefined;
  const props = m.properties;
  // A string that is not well-formed (a lone surrogate) crosses as JSON, exactly as it is, so
  // that the broker's checks see it (the encoder would turn it into U+FFFD).
  return typeof m.topic === "string" && m.topic.isWellFormed() && m.payload instanceof Uint8Array &&
    (m.qos === 0 || m.qos === 1 || m.qos === 2) && typeof m.retain === "boolean" &&
    typeof from === "object" && from !== null && typeof from.clientId === "string" &&
    from.clientId.isWellFormed() &&
    (from.username === null ||
      (typeof from.username === "string" && from.username.isWellFormed())) &&
    (props === undefined || (typeof props === "object" && props !== null &&
      !Array.isArray(props) && Object.getPrototypeOf(props) === Object.prototype));
}

/** Writes a message (see {@linkcode isWireMessage}). */
export function writeMessage(w: ByteWriter, m: WireMessage): void {
  const props = m.properties;
  let rest: Record<string, unknown> | null = null;
  let correlation: unknown;
  if (props) {
    for (const k in props) {
      if (props[k] === undefined) continue;
      if (k === "correlationData") correlation = props[k];
      else (rest ??= {})[k] = props[k];
    }
  }
  const cd = correlation instanceof Uint8Array ? correlation : null;
  if (correlation !== undefined && !cd) (rest ??= {}).correlationData = correlation;
  w.u8(
    m.qos | (m.retain ? RETAIN : 0) | (m.from.username !== null ? USERNAME : 0) |
      (rest ? PROPERTIES : 0) | (cd ? CORRELATION : 0),
  );
  w.str(m.topic);
  w.bytesOf(m.payload);
  w.str(m.from.clientId);
  if (m.from.username !== null) w.str(m.from.username);
  if (rest) w.str(JSON.stringify(rest));
  if (cd) w.bytesOf(cd);
}

/** Reads a message written by {@linkcode writeMessage}. */
export function readMessage(r: ByteReader): WireMessage {
  const flags = r.u8();
  if ((flags & 3) === 3 || flags > 63) throw new FrameError("bad message flags");
  const topic = r.str();
  const payload = r.bytes();
  const clientId = r.str();
  const username = flags & USERNAME ? r.str() : null;
  let properties: Record<string, unknown> = {};
  if (flags & PROPERTIES) {
    const p = r.plainJson();
    if (p === null || typeof p !== "object" || Array.isArray(p)) {
      throw new FrameError("message properties are not an object");
    }
    properties = p as Record<string, unknown>;
  }
  if (flags & CORRELATION) properties.correlationData = r.bytes();
  return {
    topic,
    payload,
    qos: (flags & 3) as 0 | 1 | 2,
    retain: (flags & RETAIN) !== 0,
    properties,
    from: { clientId, username },
  };
}
