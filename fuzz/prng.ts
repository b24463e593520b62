/**
 * A small seeded PRNG (mulberry32) with the helpers the generators need, so that every fuzz input
 * is a pure function of the seed and its index and a run replays exactly.
 *
 * @module
 */

/**
 * A seeded pseudo-random source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "./prng.ts";
 * const a = Rng.forInput(1, 7), b = Rng.forInput(1, 7);
 * assert.equal(a.int(1000), b.int(1000)); // replayable
 * ```
 */
export class Rng {
  #state: number;

  /** @param seed any 32-bit integer */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The generator for input number `index` of a run seeded with `seed`. */
  static forInput(seed: number, index: number): Rng {
    let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return new Rng(h ^ (h >>> 16));
  }

  /** A float in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** An integer that favours edges: 0, 1, the maximum, powers of two, or uniform. */
  edgy(max: number): number {
    switch (this.int(6)) {
      case 0:
        return 0;
      case 1:
        return Math.min(1, max);
      case 2:
        return max;
      case 3:
        return Math.min(max, 2 ** this.int(Math.ceil(Math.log2(max + 1))));
      default:
        return this.int(max + 1);
    }
  }
}
