/**
 * Mosquitto's `$SYS/broker/load/...` figures: exponentially weighted moving averages of a
 * counter's rate, per minute, over 1, 5 and 15 minute windows (as Unix load averages).
 *
 * @module
 */

/** The averaging windows, in seconds, by topic suffix. */
export const WINDOWS = { "1min": 60, "5min": 300, "15min": 900 } as const;

/** One window's name. */
export type WindowName = keyof typeof WINDOWS;

/**
 * Load averages of several counters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoadAverages } from "./load.ts";
 * const load = new LoadAverages();
 * load.update({ received: 0 }, 0);
 * load.update({ received: 120 }, 60_000); // 120 per minute for a minute
 * assert.equal(load.get("received", "1min").toFixed(1), "75.9");
 * ```
 */
export class LoadAverages {
  #last = new Map<string, number>();
  #avg = new Map<string, Record<WindowName, number>>();
  #lastAt: number | null = null;

  /** Feeds the counters' current values at time `now` (ms). */
  update(counters: Record<string, number>, now: number): void {
    const elapsed = this.#lastAt === null ? 0 : (now - this.#lastAt) / 1000;
    for (const [name, value] of Object.entries(counters)) {
      const avg = this.#avg.get(name) ?? { "1min": 0, "5min": 0, "15min": 0 };
      const last = this.#last.get(name);
      if (elapsed > 0 && last !== undefined) {
        const perMinute = (Math.max(0, value - last) / elapsed) * 60;
        for (const [w, seconds] of Object.entries(WINDOWS) as [WindowName, number][]) {
          const decay = Math.exp(-elapsed / seconds);
          avg[w] = perMinute + decay * (avg[w] - perMinute);
        }
      }
      this.#avg.set(name, avg);
      this.#last.set(name, value);
    }
    this.#lastAt = now;
  }

  /** The average of `counter` over `window`, per minute (0 before two updates). */
  get(counter: string, window: WindowName): number {
    return this.#avg.get(counter)?.[window] ?? 0;
  }
}
