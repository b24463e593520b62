/**
 * One timer for every connection's idle limit (connect timeout, then 1.5 x keep alive), instead of
 * a timer per connection: a Deno timer costs kilobytes of heap, a watched entry a few bytes. The
 * sweep runs only while something is watched, so an idle broker holds no timer.
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";

/** Something with an idle limit. */
export interface Watched {
  /** When it last showed activity (ms since the epoch, on the watch's clock). */
  lastActivity: number;
  /** Called once when it has been idle for its limit. */
  onIdle(): void;
}

/** Distinct shared limits kept at most (a limit beyond them is an object of its own). */
const MAX_SHARED = 1024;

/** A watched item's limit, and the fixed start it counts from (undefined: from last activity). */
interface Limit {
  ms: number;
  from?: number;
}

/**
 * Checks every `tickMs` which watched items have been idle for their limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../lib/fake_clock.ts";
 * import { IdleWatch } from "./idle_watch.ts";
 * const clock = new FakeClock();
 * const watch = new IdleWatch(10, clock);
 * let fired = false;
 * watch.watch({ lastActivity: clock.now(), onIdle: () => fired = true }, 20);
 * clock.advance(30);
 * assert.ok(fired && watch.size === 0);
 * ```
 */
export class IdleWatch {
  #limits = new Map<Watched, Limit>();
  /** Limits counted from last activity, shared by every item with the same one (keep alive). */
  #shared = new Map<number, Limit>();
  #timer: unknown;
  #tickMs: number;
  #clock: Clock;

  /**
   * @param tickMs how often to look; the precision of every limit
   * @param clock time source and timers (fake time in tests)
   */
  constructor(tickMs = 100, clock: Clock = systemClock) {
    this.#tickMs = tickMs;
    this.#clock = clock;
  }

  /** Number of watched items. */
  get size(): number {
    return this.#limits.size;
  }

  /**
   * Watches `item` with `limitMs` (replacing an earlier limit), counted from its last activity, or
   * from the fixed instant `from` (ms since the epoch) when given: a deadline activity cannot
   * extend, such as the connect timeout counted from accept.
   */
  watch(item: Watched, limitMs: number, from?: number): void {
    let limit = from === undefined ? this.#shared.get(limitMs) : undefined;
    if (!limit) {
      limit = { ms: limitMs, from };
      if (from === undefined && this.#shared.size < MAX_SHARED) this.#shared.set(limitMs, limit);
    }
    this.#limits.set(item, limit);
    this.#arm();
  }

  /** Stops watching `item`. */
  unwatch(item: Watched): void {
    this.#limits.delete(item);
    if (this.#limits.size === 0 && this.#timer !== undefined) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
  }

  /** One sweep timer while anything is watched (re-armed after each sweep). */
  #arm(): void {
    this.#timer ??= this.#clock.setTimer(() => this.#sweep(), this.#tickMs);
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (const [item, limit] of this.#limits) {
      if (now - (limit.from ?? item.lastActivity) < limit.ms) continue;
      this.unwatch(item);
      item.onIdle();
    }
    if (this.#limits.size > 0) this.#arm();
  }
}
