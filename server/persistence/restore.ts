/**
 * Loading stored state back into a new broker at start: retained messages, sessions with their
 * subscriptions and absolute deadlines, queued and in-flight messages (re-sent with DUP when the
 * client resumes), inbound QoS 2 packet ids, delayed wills. What expired while the broker was
 * down is dropped (and deleted from the store).
 *
 * @module
 */
import type { Broker } from "../../broker/broker.ts";
import { isExpired } from "../../broker/message.ts";
import type { BatchingJournal } from "../../broker/session/batching_journal.ts";
import type { StoredState } from "../../broker/session/durable_store.ts";
import { deadlineAfter, NEVER_EXPIRES } from "../../broker/session/offline.ts";
import type { Session } from "../../broker/session/session.ts";

/** What a restart found. */
export interface Restored {
  sessions: number;
  messages: number;
  retained: number;
  wills: number;
  /** Sessions, messages and retained messages that expired while the broker was down. */
  expired: number;
}

/**
 * Puts `state` into `broker`, whose stores record to `journal`.
 *
 * @example
 * ```ts ignore
 * const restored = restoreState(broker, store.load(), journal);
 * ```
 */
export function restoreState(
  broker: Broker,
  state: StoredState,
  journal: BatchingJournal,
): Restored {
  const now = broker.clock.now();
  const report: Restored = { sessions: 0, messages: 0, retained: 0, wills: 0, expired: 0 };
  for (const msg of state.retained) {
    if (isExpired(msg, now)) {
      journal.retain(msg.topic, null);
      report.expired++;
    } else {
      broker.retained.restore!(msg);
      report.retained++;
    }
  }
  const live = restoreSessions(broker, state, now, report);
  let maxSeq = 0;
  const stale: number[] = [];
  for (const d of state.deliveries) {
    maxSeq = Math.max(maxSeq, d.seq);
    const session = live.get(d.clientId);
    if (!session || isExpired(d.msg, now)) {
      stale.push(d.seq);
      continue;
    }
    const entry = { msg: d.msg, qos: d.qos, retain: d.retain, subscriptionIds: d.subscriptionIds };
    Object.assign(entry, { seq: d.seq });
    if (d.state === "queued" || d.packetId === undefined) session.queue.push(entry);
    else session.inflight.set(d.packetId, { ...entry, packetId: d.packetId, state: d.state });
    report.messages++;
  }
  for (const { clientId, packetId } of state.inbound) live.get(clientId)?.inboundQos2.add(packetId);
  for (const w of state.wills) {
    const delaySeconds = Math.max(0, Math.ceil((w.at - now) / 1000));
    broker.offline.restoreWill(w.clientId, {
      msg: w.msg,
      delaySeconds,
      expirySeconds: w.expirySeconds,
    }, w.at);
    report.wills++;
  }
  journal.loaded(maxSeq + 1, report.messages, live.values());
  const gone = state.sessions.filter((s) => !live.has(s.clientId)).map((s) => s.clientId);
  journal.discard(gone, stale);
  report.expired += stale.length;
  for (const session of live.values()) {
    if (session.expiryInterval !== NEVER_EXPIRES && pendingDeadline.has(session)) {
      journal.saveSession(session, pendingDeadline.get(session)!);
    }
  }
  return report;
}

/** Sessions that were connected when the broker stopped: their deadline counts from now. */
const pendingDeadline = new WeakMap<Session, number>();

function restoreSessions(
  broker: Broker,
  state: StoredState,
  now: number,
  report: Restored,
): Map<string, Session> {
  const live = new Map<string, Session>();
  for (const stored of state.sessions) {
    if (stored.expiresAt !== null && stored.expiresAt <= now) {
      report.expired++;
      continue;
    }
    const session = broker.sessions.create(stored.clientId);
    session.expiryInterval = stored.expiryInterval;
    for (const [filter, opts] of stored.subscriptions) {
      broker.subscriptions.add(session, filter, opts);
    }
    let deadline = stored.expiresAt ?? undefined;
    if (deadline === undefined && stored.expiryInterval !== NEVER_EXPIRES) {
      deadline = deadlineAfter(now, stored.expiryInterval);
      pendingDeadline.set(session, deadline);
    }
    broker.offline.restore(session, deadline);
    live.set(stored.clientId, session);
    report.sessions++;
  }
  return live;
}
