/**
 * Per-plugin, per-hookpoint call metrics: calls, errors, timeouts and a fixed-bucket latency
 * histogram from which p50/p99 are read. Kept by every runner, reported in `host.status()`.
 *
 * @module
 */

import type { HookMetrics } from "../sdk/stats.ts";

/** Upper bounds of the latency buckets, in milliseconds. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
];

interface HookCounters {
  calls: number;
  errors: number;
  timeouts: number;
  counts: number[];
  max: number;
}

/**
 * The value under which `q` (0..1) of the recorded calls fall, as the upper bound of its bucket
 * (the observed maximum for the overflow bucket); null when nothing was recorded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentile } from "./metrics.ts";
 * assert.equal(percentile([1, 2.5], [3, 1, 0], 0.5, 2), 1);
 * ```
 */
export function percentile(
  bounds: readonly number[],
  counts: readonly number[],
  q: number,
  max: number,
): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return i < bounds.length ? Math.min(bounds[i], max) : max;
  }
  return max;
}

/**
 * Metrics of one plugin, per hookpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HookMetricsRecorder } from "./metrics.ts";
 * const m = new HookMetricsRecorder();
 * m.call("client.authorize", 0.3);
 * m.fault("client.authorize", "timeout");
 * const s = m.snapshot()["client.authorize"];
 * assert.deepEqual([s.calls, s.timeouts, s.p50], [1, 1, 0.3]);
 * ```
 */
export class HookMetricsRecorder {
  #hooks = new Map<string, HookCounters>();

  /**
   * Counts `n` calls (one, or the events of one batch); `ms` is their latency when they answered
   * (omit for notifications).
   */
  call(hook: string, ms?: number, n = 1): void {
    const h = this.#get(hook);
    h.calls += n;
    if (ms === undefined) return;
    let i = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b);
    if (i < 0) i = LATENCY_BOUNDS_MS.length;
    h.counts[i] += n;
    if (ms > h.max) h.max = ms;
  }

  /** Counts `n` errors or timeouts of `hook` (null: outside any hook, not recorded here). */
  fault(hook: string | null, kind: "error" | "timeout", n = 1): void {
    if (hook === null) return;
    const h = this.#get(hook);
    if (kind === "timeout") h.timeouts += n;
    else h.errors += n;
  }

  /** Plain copy, one entry per hookpoint seen. */
  snapshot(): Record<string, HookMetrics> {
    const out: Record<string, HookMetrics> = {};
    for (const [hook, h] of this.#hooks) {
      out[hook] = {
        calls: h.calls,
        errors: h.errors,
        timeouts: h.timeouts,
        histogram: { bounds: [...LATENCY_BOUNDS_MS], counts: [...h.counts] },
        max: h.max,
        p50: percentile(LATENCY_BOUNDS_MS, h.counts, 0.5, h.max),
        p99: percentile(LATENCY_BOUNDS_MS, h.counts, 0.99, h.max),
      };
    }
    return out;
  }

  #get(hook: string): HookCounters {
    let h = this.#hooks.get(hook);
    if (!h) {
      h = { calls: 0, errors: 0, timeouts: 0, counts: LATENCY_BOUNDS_MS.map(() => 0), max: 0 };
      h.counts.push(0);
      this.#hooks.set(hook, h);
    }
    return h;
  }
}
