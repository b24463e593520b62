/**
 * The host's watchdog timer: while any caged plugin runs, it calls `tick(now)` every period so
 * that each runner can restart a worker that stayed silent for its `timeout_ms`.
 *
 * @module
 */

/**
 * A periodic timer that runs only while needed.
 *
 * @example
 * ```ts
 * import { Watchdog } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 *
 * const ticks: number[] = [];
 * const dog = new Watchdog(5, (now) => ticks.push(now));
 * dog.need(true);
 * await new Promise((r) => setTimeout(r, 30));
 * dog.stop();
 * assert.ok(ticks.length > 0);
 * ```
 */
export class Watchdog {
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;
  readonly #periodMs: number;
  readonly #tick: (now: number) => void;

  /** @param tick Called with `Date.now()` every `periodMs` while needed. */
  constructor(periodMs: number, tick: (now: number) => void) {
    this.#periodMs = periodMs;
    this.#tick = tick;
  }

  /** Starts the timer when `needed` (unless stopped), clears it when not. */
  need(needed: boolean): void {
    if (needed && !this.#timer && !this.#stopped) {
      this.#timer = setInterval(() => this.#tick(Date.now()), this.#periodMs);
    } else if (!needed && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Clears the timer for good. */
  stop(): void {
    this.#stopped = true;
    this.need(false);
  }
}
