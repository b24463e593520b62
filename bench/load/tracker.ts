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

/** Counts what one subscriber receives from `publishers` publishers of `perPublisher` messages each. */
export class Tracker {
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;
  lastAt = 0;
  readonly #seen: Uint8Array[];
  readonly #last: Int32Array;
  readonly #latency: Float64Array;
  #samples = 0;

  constructor(publishers: number, readonly perPublisher: number) {
    this.#seen = Array.from({ length: publishers }, () => new Uint8Array(perPublisher));
    this.#last = new Int32Array(publishers).fill(-1);
    this.#latency = new Float64Array(publishers * perPublisher);
  }

  /** Records one payload starting at `at` in `buf`. */
  record(buf: Uint8Array, at: number): void {
    const pub = (buf[at] << 24 | buf[at + 1] << 16 | buf[at + 2] << 8 | buf[at + 3]) >>> 0;
    const seq = (buf[at + 4] << 24 | buf[at + 5] << 16 | buf[at + 6] << 8 | buf[at + 7]) >>> 0;
    const seen = this.#seen[pub];
    if (seen === undefined || seq >= this.perPublisher) return;
    const now = nowMs();
    this.lastAt = now;
    if (seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    seen[seq] = 1;
    this.unique++;
    if (seq < this.#last[pub]) this.outOfOrder++;
    else this.#last[pub] = seq;
    const sentAt = new DataView(buf.buffer, buf.byteOffset + at + 8, 8).getFloat64(0);
    if (this.#samples < this.#latency.length) this.#latency[this.#samples++] = now - sentAt;
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
