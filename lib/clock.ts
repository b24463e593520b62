/**
 * Time and one-shot timers behind one small interface, so that keep alive, session expiry, will
 * delay and flow control run on fake time in tests ({@linkcode FakeClock} in `fake_clock.ts`).
 *
 * @module
 */

/** Time and one-shot timers, injectable so that tests run on fake time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms` (callers keep `ms` at most 2^31-1); returns a handle. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Cancels a timer from {@linkcode Clock.setTimer}. */
  clearTimer(handle: unknown): void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as number),
};
