/**
 * A token bucket: `rate` tokens a second, holding at most `rate` (the burst). Used to hold what a
 * plugin may do per second (publishes, log and fault messages).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenBucket } from "./token_bucket.ts";
 * const bucket = new TokenBucket(2);
 * assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false]);
 * ```
 *
 * @module
 */
export class TokenBucket {
  #tokens: number;
  #at = performance.now();

  constructor(readonly rate: number) {
    this.#tokens = rate;
  }

  /** Takes one token; false when none is left. */
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#at) * this.rate) / 1000);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
