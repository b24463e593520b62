/**
 * One timer for every connection's idle limit (connect timeout, then 1.5 x keep alive), instead of
 * a timer per connection: a Deno timer costs kilobytes of heap, a watched entry a few bytes. The
 * sweep runs only while something is watched, so an idle broker holds no timer.
 *
 * @module
 */

/** Something with an idle limit. */
export interface Watched {
  /** When it last showed activity (ms since the epoch). */
  lastActivity: number;
  /** Called once when it has been idle for its limit. */
  onIdle(): void;
}

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
 * import { IdleWatch } from "./idle_watch.ts";
 * const watch = new IdleWatch(10);
 * let fired = false;
 * watch.watch({ lastActivity: Date.now(), onIdle: () => fired = true }, 20);
 * await new Promise((r) => setTimeout(r, 60));
 * console.assert(fired && watch.size === 0);
 * ```
 */
export class IdleWatch {
  #limits = new Map<Watched, Limit>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #tickMs: number;

  /** @param tickMs how often to look; the precision of every limit */
  constructor(tickMs = 100) {
    this.#tickMs = tickMs;
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
    this.#limits.set(item, { ms: limitMs, from });
    this.#timer ??= setInterval(() => this.#sweep(), this.#tickMs);
  }

  /** Stops watching `item`. */
  unwatch(item: Watched): void {
    this.#limits.delete(item);
    if (this.#limits.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [item, limit] of this.#limits) {
      if (now - (limit.from ?? item.lastActivity) < limit.ms) continue;
      this.unwatch(item);
      item.onIdle();
    }
  }
}
