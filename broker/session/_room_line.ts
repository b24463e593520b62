/**
 * The line of publishers waiting for room in one session's queue (flow control): first come first
 * served, one timer for the whole line, and the room kept for publishers woken whose message has
 * not arrived yet. Made only when a publisher first waits.
 *
 * @module
 */
import type { Clock } from "../../lib/clock.ts";

/** One waiting publisher. */
interface Waiter {
  /** The publisher's client id. */
  publisher: string | undefined;
  /** When it stops waiting, on the line's clock. */
  until: number;
  /** Ends the wait: true when woken for room. */
  resolve: (room: boolean) => void;
}

/**
 * Publishers waiting for room, in arrival order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../../lib/fake_clock.ts";
 * import { RoomLine } from "./_room_line.ts";
 * const clock = new FakeClock();
 * const line = new RoomLine(clock);
 * const first = line.wait(1000, "p1");
 * const second = line.wait(1000, "p2");
 * line.wake(1);
 * assert.equal(await first, true);
 * assert.equal(line.kept("p2"), 1); // room kept for p1's message
 * clock.advance(1000);
 * assert.equal(await second, false); // gave up
 * ```
 */
export class RoomLine {
  #clock: Clock;
  #waiters: Waiter[] = [];
  #head = 0;
  #timer?: unknown;
  /** Publishers woken whose next message has not been queued yet. */
  #woken = new Set<string | undefined>();

  /** @param clock where the waits' time limits run */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** How many are waiting. */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /** How many woken publishers' messages are expected. */
  get expected(): number {
    return this.#woken.size;
  }

  /** How many woken publishers' messages are expected, `publisher`'s own left out. */
  kept(publisher: string | undefined): number {
    const woken = this.#woken;
    return woken.size - (woken.has(publisher) ? 1 : 0);
  }

  /** `publisher`'s message arrived: no more room kept for it. */
  arrived(publisher: string | undefined): void {
    this.#woken.delete(publisher);
  }

  /** Nothing is queued any more: no room is kept for anyone. */
  caughtUp(): void {
    this.#woken.clear();
  }

  /**
   * Resolves with true when {@linkcode RoomLine.wake} wakes this publisher, false after `ms` or
   * when woken by force. Waits end by their time limit in line order (all use the same `ms`).
   */
  wait(ms: number, publisher: string | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      this.#waiters.push({ publisher, until: this.#clock.now() + ms, resolve });
      this.#arm();
    });
  }

  /**
   * Wakes up to `room` waiting publishers in arrival order and keeps room for each one's next
   * message; `force` wakes every one without keeping room (shutdown).
   */
  wake(room: number, force = false): void {
    const waiters = this.#waiters;
    while (this.#head < waiters.length && (force || room-- > 0)) {
      const w = waiters[this.#head];
      waiters[this.#head++] = undefined as never;
      if (!force) this.#woken.add(w.publisher);
      w.resolve(!force);
    }
    this.#compact();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.waiting === 0) return;
    const next = this.#waiters[this.#head].until - this.#clock.now();
    this.#timer = this.#clock.setTimer(() => this.#expire(), Math.max(0, next));
  }

  #expire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    const waiters = this.#waiters;
    while (this.#head < waiters.length && waiters[this.#head].until <= now) {
      const w = waiters[this.#head];
      waiters[this.#head++] = undefined as never;
      w.resolve(false);
    }
    this.#compact();
    this.#arm();
  }

  /** Drops the woken slots at the head; stops the timer when nobody waits. */
  #compact(): void {
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
      if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
