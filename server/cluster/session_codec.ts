/**
 * A session as it crosses between nodes (a takeover answer) and as it is kept in the
 * `<prefix>_sessions` bucket: JSON with the durable store's shapes (subscriptions as
 * `[filter, options]` pairs in order, deliveries with QoS, retain flag, subscription ids, packet
 * id and state), each message as a `codec.ts` frame in base64 with its origin when known
 * (`ORIGINS`), so copies captured while the session was away are recognized.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Message, QoS, SubscriptionOptions } from "../../broker/message.ts";
import { topicMatches } from "../../plugins/sdk/topics.ts";
import type { JournaledSession, JournalEntry } from "../../broker/session/journal.ts";
import { decodeMessage, encodeMessage, originId, ORIGINS } from "./codec.ts";

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
    m: Buffer.from(encodeMessage(entry.msg, ORIGINS.get(entry.msg) ?? NO_ORIGIN)).toString(
      "base64",
    ),
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
  const { msg, origin } = decodeMessage(Buffer.from(d.m, "base64"));
  if (origin.node !== "") ORIGINS.set(msg, origin);
  const out: JournalEntry = { msg, qos: d.q, retain: d.r };
  if (d.i) out.subscriptionIds = d.i;
  if (d.p !== undefined) Object.assign(out, { packetId: d.p, state: d.s ?? "publish" });
  return out;
}

/**
 * What `session` holds, as queue entries: in flight first (PUBREL ones left out), then queued.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { pendingOf } from "./session_codec.ts";
 * const msg = { topic: "a", payload: Buffer.from("x"), qos: 1, retain: false, properties: {} } as const;
 * const session = {
 *   clientId: "c", expiryInterval: 60, subscriptions: new Map(),
 *   queue: [{ msg, qos: 1 as const, retain: false }],
 *   inflight: new Map([
 *     [1, { msg, qos: 1 as const, retain: false, packetId: 1, state: "publish" as const }],
 *     [2, { msg, qos: 2 as const, retain: false, packetId: 2, state: "pubrel" as const }],
 *   ]),
 * };
 * assert.deepEqual(pendingOf(session).map((e) => e.qos), [1, 1]);
 * assert.equal("packetId" in pendingOf(session)[0], false);
 * ```
 */
export function pendingOf(session: JournaledSession): JournalEntry[] {
  const sent = [...session.inflight.values()].filter((e) => e.state !== "pubrel");
  const entry = ({ msg, qos, retain, subscriptionIds }: JournalEntry) =>
    subscriptionIds ? { msg, qos, retain, subscriptionIds } : { msg, qos, retain };
  return [...sent, ...session.queue].map(entry);
}

/**
 * The entries of `extra` whose message `state` does not already hold (same origin), each once;
 * entries whose origin is unknown (QoS 0) are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { ORIGINS } from "./codec.ts";
 * import { notHeld } from "./session_codec.ts";
 * const at = (seq: number) => {
 *   const msg = { topic: "a", payload: Buffer.from(String(seq)), qos: 1 as const, retain: false, properties: {} };
 *   ORIGINS.set(msg, { node: "n1", seq });
 *   return { msg, qos: 1 as const, retain: false };
 * };
 * const state = { queue: [at(1)], inflight: [] };
 * const kept = notHeld(state, [at(1), at(2), at(2)]);
 * assert.deepEqual(kept.map((e) => e.msg.payload.toString()), ["2"]);
 * ```
 */
export function notHeld(
  state: Pick<DecodedSession, "queue" | "inflight">,
  extra: JournalEntry[],
): JournalEntry[] {
  const held = new Set<string>();
  for (const e of [...state.queue, ...state.inflight]) {
    const origin = ORIGINS.get(e.msg);
    if (origin) held.add(originId(origin));
  }
  return extra.filter((e) => {
    const origin = ORIGINS.get(e.msg);
    if (!origin) return true;
    const id = originId(origin);
    if (held.has(id)) return false;
    held.add(id);
    return true;
  });
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

/**
 * `msg` as a queue entry of a session with `subscriptions` (none when no non-shared filter
 * matches): the highest QoS granted (at most the message's), every subscription identifier.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { entryFor } from "./session_codec.ts";
 * const msg = { topic: "a/b", payload: Buffer.from("x"), qos: 2 as const, retain: true, properties: {} };
 * const o = { noLocal: false, retainAsPublished: false, retainHandling: 0 as const };
 * const subs: [string, typeof o & { qos: 0 | 1 | 2; subscriptionId?: number }][] = [
 *   ["a/+", { ...o, qos: 1, subscriptionId: 4 }],
 *   ["$share/g/a/b", { ...o, qos: 2 }],
 * ];
 * assert.deepEqual(entryFor(msg, subs), { msg, qos: 1, retain: false, subscriptionIds: [4] });
 * assert.equal(entryFor({ ...msg, topic: "c" }, subs), undefined);
 * ```
 */
export function entryFor(
  msg: Message,
  subscriptions: DecodedSession["subscriptions"],
): JournalEntry | undefined {
  let qos = -1;
  let retain = false;
  const ids: number[] = [];
  for (const [filter, opts] of subscriptions) {
    if (filter.startsWith("$share/") || !topicMatches(filter, msg.topic)) continue;
    qos = Math.max(qos, opts.qos);
    retain ||= msg.retain && opts.retainAsPublished;
    if (opts.subscriptionId !== undefined) ids.push(opts.subscriptionId);
  }
  if (qos < 0) return undefined;
  const entry: JournalEntry = { msg, qos: Math.min(msg.qos, qos) as QoS, retain };
  if (ids.length > 0) entry.subscriptionIds = ids;
  return entry;
}
