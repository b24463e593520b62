/**
 * One timer for many deadlines: offline sessions that expire, delayed wills. Each key holds an
 * absolute deadline in a min-heap; a single timer is armed for the earliest one. A timer cannot
 * wait longer than 2^31-1 ms (a longer delay fires after 1 ms), so a far deadline is reached in
 * hops of at most {@linkcode MAX_TIMER_MS}. A million offline sessions cost a million heap
 * entries of a few dozen bytes, and one timer; an empty schedule holds no timer.
 *
 * @module
 */
import { type Clock, systemClock } from "../../lib/clock.ts";
import { DeadlineHeap } from "./_deadline_heap.ts";

export { type Clock, systemClock } from "../../lib/clock.ts";

/** The longest delay a timer accepts (2^31-1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options for {@linkcode ExpirySchedule}. */
export interface ExpiryScheduleOptions {
  /** Time source and timers (default {@linkcode systemClock}). */
  clock?: Clock;
  /** Receives what a due callback threw; the other due keys still run (default: rethrown later). */
  onError?: (err: unknown) => void;
}

/**
 * Calls `onDue(key, value)` once each key's deadline has passed; setting a key again moves it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../../lib/fake_clock.ts";
 * import { ExpirySchedule } from "./expiry_schedule.ts";
 * const clock = new FakeClock();
 * const due: string[] = [];
 * const schedule = new ExpirySchedule<string, number>((key) => due.push(key), { clock });
 * schedule.set("soon", clock.now() + 10, 1);
 * schedule.set("later", clock.now() + 60_000, 2);
 * clock.advance(50);
 * assert.deepEqual(due, ["soon"]);
 * assert.equal(schedule.size, 1);
 * schedule.clear(); // drops "later" and its timer
 * ```
 */
export class ExpirySchedule<K, V> {
  #heap = new DeadlineHeap<K, V>();
  #onDue: (key: K, value: V) => void;
  #clock: Clock;
  #onError: (err: unknown) => void;
  #timer: unknown;
  /** When the armed timer fires (ms since the epoch); Infinity when none is armed. */
  #firesAt = Infinity;

  /**
   * @param onDue called with each key whose deadline passed (it is removed first)
   * @param opts clock and error sink
   */
  constructor(onDue: (key: K, value: V) => void, opts: ExpiryScheduleOptions = {}) {
    this.#onDue = onDue;
    this.#clock = opts.clock ?? systemClock;
    this.#onError = opts.onError ?? ((err) =>
      queueMicrotask(() => {
        throw err;
      }));
  }

  /** Number of scheduled keys. */
  get size(): number {
    return this.#heap.size;
  }

  /** Whether a timer is armed (false whenever the schedule is empty). */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** The deadline of `key` (ms since the epoch), if scheduled. */
  deadline(key: K): number | undefined {
    return this.#heap.get(key)?.at;
  }

  /** Schedules `key` with `value` at `at` (ms since the epoch), replacing an earlier entry. */
  set(key: K, at: number, value: V): void {
    if (Number.isNaN(at)) throw new RangeError(`Cannot schedule at ${at}: not a time`);
    this.#heap.set(key, at, value);
    this.#arm();
  }

  /** Unschedules `key`; returns its value when it was scheduled. */
  delete(key: K): V | undefined {
    const entry = this.#heap.delete(key);
    if (this.#heap.size === 0) this.#disarm();
    return entry?.value;
  }

  /** Unschedules everything and releases the timer. */
  clear(): void {
    this.#heap.clear();
    this.#disarm();
  }

  /** Arms the timer for the earliest deadline unless an armed one fires no later. */
  #arm(): void {
    const first = this.#heap.peek();
    if (!first) return this.#disarm();
    if (this.#timer !== undefined && this.#firesAt <= first.at) return;
    this.#disarm();
    const now = this.#clock.now();
    const wait = Math.min(Math.max(first.at - now, 0), MAX_TIMER_MS);
    this.#firesAt = now + wait;
    this.#timer = this.#clock.setTimer(() => this.#fire(), wait);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#firesAt = Infinity;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#firesAt = Infinity;
    const now = this.#clock.now();
    for (let first = this.#heap.peek(); first && first.at <= now; first = this.#heap.peek()) {
      this.#heap.delete(first.key);
      try {
        this.#onDue(first.key, first.value);
      } catch (err) {
        this.#onError(err);
      }
    }
    this.#arm();
  }
}
