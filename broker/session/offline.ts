/**
 * What happens to a session after its connection ends (spec 3.1.2.5, 3.1.2.11.2): its will waits
 * for the Will Delay Interval or the end of the session, whichever comes first, and the session
 * expires after its Session Expiry Interval unless a connection resumes it. Every offline session
 * and delayed will shares two {@linkcode ExpirySchedule}s, so no session holds a timer of its own.
 *
 * @module
 */
import { systemClock } from "../../lib/clock.ts";
import type { Will } from "../core_types.ts";
import { ExpirySchedule, type ExpiryScheduleOptions } from "./expiry_schedule.ts";
import { NULL_JOURNAL, type SessionJournal } from "./journal.ts";
import type { Session } from "./session.ts";

/** The Session Expiry Interval that means "never" (spec 3.1.2.11.2). */
export const NEVER_EXPIRES = 0xffffffff;

/** What {@linkcode OfflineSessions} calls when a will or a session comes due. */
export interface OfflineHandlers {
  /** A delayed will is due (its delay passed, or its session ended). */
  publishWill(will: Will): void;
  /** `session` has been offline for its Session Expiry Interval. */
  expire(session: Session): void;
}

/**
 * The absolute time `seconds` after `now`: negative or fractional input is clamped, and the result
 * is a plain number of ms (up to 2^32 s ahead, far below Number.MAX_SAFE_INTEGER), never a timer
 * delay that could wrap. A value that is not a number (NaN, null: a property the decoder could not
 * read) means 0, at once: never a deadline the schedule cannot hold.
 *
 * @example
 * ```ts
 * import { deadlineAfter } from "./offline.ts";
 * if (deadlineAfter(1000, 2) !== 3000) throw new Error("wrong deadline");
 * if (deadlineAfter(0, 0xffffffff) !== 4_294_967_295_000) throw new Error("wrapped");
 * if (deadlineAfter(1000, NaN) !== 1000) throw new Error("NaN is not a delay");
 * if (deadlineAfter(0, Infinity) !== 4_294_967_295_000) throw new Error("Infinity is capped");
 * ```
 */
export function deadlineAfter(now: number, seconds: number): number {
  if (!(seconds > 0)) return now; // also NaN, null and undefined
  return now + Math.min(Math.floor(seconds), NEVER_EXPIRES) * 1000;
}

/**
 * Offline sessions and their delayed wills, on one timer per schedule.
 *
 * @example
 * ```ts
 * import { OfflineSessions } from "./offline.ts";
 * import { Session } from "./session.ts";
 * const expired: string[] = [];
 * const offline = new OfflineSessions({
 *   publishWill: () => {},
 *   expire: (s) => expired.push(s.clientId),
 * });
 * const session = new Session("c1", { maxQueued: 1 });
 * session.expiryInterval = 3600;
 * offline.leave(session);
 * const scheduled = offline.size;
 * offline.cancel("c1"); // the client came back
 * if (scheduled !== 1 || offline.size !== 0 || expired.length !== 0) throw new Error("wrong");
 * ```
 */
export class OfflineSessions {
  #handlers: OfflineHandlers;
  #sessions: ExpirySchedule<string, Session>;
  #wills: ExpirySchedule<string, Will>;
  #now: () => number;
  #journal: SessionJournal;

  /**
   * @param handlers called when a will or a session comes due
   * @param opts clock (fake time in tests), error sink for the handlers, and the journal where
   *   delayed wills are recorded (sessions record their deadlines in their own)
   */
  constructor(
    handlers: OfflineHandlers,
    opts: ExpiryScheduleOptions & { journal?: SessionJournal } = {},
  ) {
    this.#handlers = handlers;
    const clock = opts.clock ?? systemClock;
    this.#now = () => clock.now();
    const journal = this.#journal = opts.journal ?? NULL_JOURNAL;
    this.#wills = new ExpirySchedule((id, will) => {
      journal.will(id, null);
      handlers.publishWill(will);
    }, opts);
    this.#sessions = new ExpirySchedule((id, session) => this.#expire(id, session), opts);
  }

  /** Number of offline sessions waiting to expire. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Number of delayed wills waiting. */
  get pendingWills(): number {
    return this.#wills.size;
  }

  /**
   * `session`'s connection ended (its `expiryInterval` already final and non-zero): publishes
   * `will` now when it has no delay, otherwise schedules it, and schedules the session's expiry.
   */
  leave(session: Session, will?: Will): void {
    const id = session.clientId;
    const now = this.#now();
    const expires = session.expiryInterval !== NEVER_EXPIRES;
    const deadline = expires ? deadlineAfter(now, session.expiryInterval) : null;
    if (deadline !== null) this.#sessions.set(id, deadline, session);
    session.journal.saveSession(session, deadline);
    if (!will) return;
    if (will.delaySeconds <= 0) return this.#handlers.publishWill(will);
    const delay = expires ? Math.min(will.delaySeconds, session.expiryInterval) : will.delaySeconds;
    const at = deadlineAfter(now, delay);
    this.#wills.set(id, at, will);
    this.#journal.will(id, { msg: will.msg, at, expirySeconds: will.expirySeconds });
  }

  /**
   * A session loaded back from the durable store: it expires at `deadline` (absolute ms;
   * undefined: never).
   */
  restore(session: Session, deadline: number | undefined): void {
    if (deadline !== undefined) this.#sessions.set(session.clientId, deadline, session);
  }

  /** A delayed will loaded back from the durable store, due at `at` (absolute ms). */
  restoreWill(clientId: string, will: Will, at: number): void {
    this.#wills.set(clientId, at, will);
  }

  /** A connection took `clientId`'s session (or ended it): no will, no expiry (spec 3.1.3-9). */
  cancel(clientId: string): void {
    if (this.#wills.delete(clientId)) this.#journal.will(clientId, null);
    this.#sessions.delete(clientId);
  }

  /** Forgets everything and releases the timers (broker shutdown: no wills sent). */
  clear(): void {
    this.#wills.clear();
    this.#sessions.clear();
  }

  /** A session ends: its will, if still waiting, goes first (spec 3.1.2.5). */
  #expire(id: string, session: Session): void {
    const will = this.#wills.delete(id);
    if (will) {
      this.#journal.will(id, null);
      this.#handlers.publishWill(will);
    }
    this.#handlers.expire(session);
  }
}
