/**
 * Fake time for tests: timers run only when a test advances the clock.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** Fake time: timers run only when the test advances the clock. */
export class FakeClock implements Clock {
  time = 1_000_000;
  timers = new Map<number, { at: number; fn: () => void }>();
  /** Every delay ever requested. */
  delays: number[] = [];
  #next = 1;

  now(): number {
    return this.time;
  }
  setTimer(fn: () => void, ms: number): number {
    this.delays.push(ms);
    const id = this.#next++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward by `ms`, running timers that come due in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    while (true) {
      const due = [...this.timers].filter(([, t]) =>
        t.at <= until
      ).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}
