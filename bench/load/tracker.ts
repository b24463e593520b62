/**
 * Per-subscriber bookkeeping of received messages: unique count, duplicates, order per publisher
 * and latency samples, read straight from the payload bytes.
 *
 * @module
 */
import { nowMs } from "./codec.ts";

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Which (publisher, sequence) pairs arrived: one bit each, a publisher's bits allocated on its
 * first message. Subscribers of one shared group share one, so a message delivered to two members
 * counts as a duplicate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Seen } from "./tracker.ts";
 * const seen = new Seen(2, 100);
 * assert.equal(seen.mark(1, 99), true);
 * assert.equal(seen.mark(1, 99), false);
 * assert.equal(seen.mark(2, 0), null); // no such publisher
 * ```
 */
export class Seen {
  readonly #bits: (Uint8Array | undefined)[];

  constructor(readonly publishers: number, readonly perPublisher: number) {
    this.#bits = new Array(publishers);
  }

  /** Marks one message: true when new, false when seen before, null when out of range. */
  mark(pub: number, seq: number): boolean | null {
    if (pub >= this.publishers || seq >= this.perPublisher) return null;
    const bits = this.#bits[pub] ??= new Uint8Array((this.perPublisher + 7) >> 3);
    const mask = 1 << (seq & 7);
    if (bits[seq >> 3] & mask) return false;
    bits[seq >> 3] |= mask;
    return true;
  }
}

/**
 * Counts what one subscriber receives from `publishers` publishers of `perPublisher` messages
 * each. Order is checked per publisher for this subscriber alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Tracker } from "./tracker.ts";
 * const t = new Tracker(1, 10);
 * const payload = (seq: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, seq, ...new Array(8).fill(0));
 * for (const seq of [0, 2, 1, 2]) t.record(payload(seq), 0);
 * assert.deepEqual([t.unique, t.outOfOrder, t.duplicates], [3, 1, 1]);
 * ```
 */
export class Tracker {
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;
  lastAt = 0;
  readonly seen: Seen;
  readonly #last: Int32Array;
  #latency = new Float64Array(1024);
  #samples = 0;

  constructor(publishers: number, perPublisher: number, seen?: Seen) {
    this.seen = seen ?? new Seen(publishers, perPublisher);
    this.#last = new Int32Array(publishers).fill(-1);
  }

  /** Records one payload starting at `at` in `buf`. */
  record(buf: Uint8Array, at: number): void {
    const pub = (buf[at] << 24 | buf[at + 1] << 16 | buf[at + 2] << 8 | buf[at + 3]) >>> 0;
    const seq = (buf[at + 4] << 24 | buf[at + 5] << 16 | buf[at + 6] << 8 | buf[at + 7]) >>> 0;
    const fresh = this.seen.mark(pub, seq);
    if (fresh === null) return;
    const now = nowMs();
    this.lastAt = now;
    if (!fresh) {
      this.duplicates++;
      return;
    }
    this.unique++;
    if (seq < this.#last[pub]) this.outOfOrder++;
    else this.#last[pub] = seq;
    const sentAt = new DataView(buf.buffer, buf.byteOffset + at + 8, 8).getFloat64(0);
    if (this.#samples === this.#latency.length) {
      const bigger = new Float64Array(this.#latency.length * 2);
      bigger.set(this.#latency);
      this.#latency = bigger;
    }
    this.#latency[this.#samples++] = now - sentAt;
  }

  /** The latency samples recorded so far. */
  latencies(): Float64Array {
    return this.#latency.subarray(0, this.#samples);
  }
}

/** Percentiles over the latency samples of several trackers. */
export function summarizeLatency(trackers: Tracker[]): LatencySummary {
  let total = 0;
  for (const t of trackers) total += t.latencies().length;
  const all = new Float64Array(total);
  let at = 0;
  for (const t of trackers) {
    all.set(t.latencies(), at);
    at += t.latencies().length;
  }
  all.sort();
  const pick = (q: number) => total === 0 ? NaN : all[Math.min(total - 1, Math.floor(q * total))];
  return {
    samples: total,
    p50: round(pick(0.5)),
    p90: round(pick(0.9)),
    p99: round(pick(0.99)),
    max: round(total === 0 ? NaN : all[total - 1]),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
