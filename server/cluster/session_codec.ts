/**
 * A session as it crosses between nodes (a takeover answer) and as it is kept in the
 * `<prefix>_sessions` bucket: JSON with the durable store's shapes (subscriptions as
 * `[filter, options]` pairs in order, deliveries with QoS, retain flag, subscription ids, packet
 * id and state), each message as a `codec.ts` frame in base64.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { QoS, SubscriptionOptions } from "../../broker/message.ts";
import type { JournaledSession, JournalEntry } from "../../broker/session/journal.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";

/** One queued or in-flight message of a {@linkcode SessionState}. */
export interface DeliveryState {
  /** The message, `encodeMessage` frame in base64. */
  m: string;
  q: QoS;
  r: boolean;
  i?: number[];
  /** In flight: packet id and state. */
  p?: number;
  s?: "publish" | "pubrel";
}

/** A session's whole state. */
export interface SessionState {
  v: 1;
  clientId: string;
  expiryInterval: number;
  subscriptions: [string, SubscriptionOptions][];
  queue: DeliveryState[];
  inflight: DeliveryState[];
  /** Inbound QoS 2 packet ids received, PUBREL not yet. */
  inbound: number[];
}

const NO_ORIGIN = { node: "", seq: 0 };

function delivery(entry: JournalEntry, inflight: boolean): DeliveryState {
  const out: DeliveryState = {
    m: Buffer.from(encodeMessage(entry.msg, NO_ORIGIN)).toString("base64"),
    q: entry.qos,
    r: entry.retain,
  };
  if (entry.subscriptionIds?.length) out.i = entry.subscriptionIds;
  if (inflight) {
    out.p = entry.packetId;
    out.s = entry.state ?? "publish";
  }
  return out;
}

/**
 * `session`'s state, serialized.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { decodeSession, encodeSession } from "./session_codec.ts";
 * const msg = { topic: "a", payload: Buffer.from("x"), qos: 1, retain: false, properties: {} } as const;
 * const opts = { qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 } as const;
 * const session = {
 *   clientId: "c", expiryInterval: 60, subscriptions: new Map([["a", opts]]),
 *   queue: [{ msg, qos: 1, retain: false }],
 *   inflight: new Map([[7, { msg, qos: 1 as const, retain: false, packetId: 7, state: "publish" as const }]]),
 * } as const;
 * const back = decodeSession(encodeSession(session, [3]));
 * assert.equal(back.clientId, "c");
 * assert.deepEqual(back.inbound, [3]);
 * assert.equal(back.queue[0].msg.payload.toString(), "x");
 * assert.equal(back.inflight[0].packetId, 7);
 * ```
 */
export function encodeSession(session: JournaledSession, inbound: Iterable<number>): Uint8Array {
  const state: SessionState = {
    v: 1,
    clientId: session.clientId,
    expiryInterval: session.expiryInterval,
    subscriptions: [...session.subscriptions].map(([f, o]) => [f, { ...o }]),
    queue: session.queue.map((e) => delivery(e, false)),
    inflight: [...session.inflight.values()].map((e) => delivery(e, true)),
    inbound: [...inbound],
  };
  return new TextEncoder().encode(JSON.stringify(state));
}

/** A decoded session: its deliveries as journal entries. */
export interface DecodedSession {
  clientId: string;
  expiryInterval: number;
  subscriptions: [string, SubscriptionOptions][];
  queue: JournalEntry[];
  inflight: JournalEntry[];
  inbound: number[];
}

function entry(d: DeliveryState): JournalEntry {
  const { msg } = decodeMessage(Buffer.from(d.m, "base64"));
  const out: JournalEntry = { msg, qos: d.q, retain: d.r };
  if (d.i) out.subscriptionIds = d.i;
  if (d.p !== undefined) Object.assign(out, { packetId: d.p, state: d.s ?? "publish" });
  return out;
}

/**
 * Reads what {@linkcode encodeSession} wrote.
 *
 * @throws {TypeError} when `bytes` is not a session of this version
 */
export function decodeSession(bytes: Uint8Array): DecodedSession {
  const s = JSON.parse(new TextDecoder().decode(bytes)) as SessionState;
  if (
    s?.v !== 1 || typeof s.clientId !== "string" || !Array.isArray(s.subscriptions) ||
    !Array.isArray(s.queue) || !Array.isArray(s.inflight) || !Array.isArray(s.inbound)
  ) throw new TypeError("Cluster session state is malformed");
  return {
    clientId: s.clientId,
    expiryInterval: s.expiryInterval,
    subscriptions: s.subscriptions,
    queue: s.queue.map(entry),
    inflight: s.inflight.map(entry),
    inbound: s.inbound,
  };
}
