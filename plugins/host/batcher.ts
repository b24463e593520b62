/**
 * Gathers the message hooks of one tick into one chain run: every `message.publish` (or
 * `message.delivered`) asked for while the broker handles what one read brought is run as one
 * batch (one crossing per plugin, `chain.ts` `runTransformBatch`), and each caller gets its own
 * event's value.
 *
 * @module
 */

import type { TransformHookpoint } from "../sdk/hookpoints.ts";
import type { TransformOutcome } from "./chain.ts";

/** Runs one hookpoint's chain over a batch of events: one outcome per event, in order. */
export type RunBatch = (hook: TransformHookpoint, events: unknown[]) => Promise<TransformOutcome[]>;

interface Queue {
  events: unknown[];
  settle: ((value: unknown) => void)[];
  fail: ((err: unknown) => void)[];
}

/**
 * One queue per hookpoint, flushed once the current task's synchronous work is done (a microtask).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TransformBatcher } from "./batcher.ts";
 * const batches: unknown[][] = [];
 * const batcher = new TransformBatcher((_hook, events) => {
 *   batches.push(events);
 *   return Promise.resolve(events.map((e) => e === "x" ? { dropped: true, by: "p" } : { dropped: false, value: e }));
 * });
 * const out = await Promise.all(["a", "x", "c"].map((e) => batcher.add("message.publish", e)));
 * assert.deepEqual(out, ["a", null, "c"]);
 * assert.equal(batches.length, 1); // one chain run for the three
 * ```
 */
export class TransformBatcher {
  #queues = new Map<TransformHookpoint, Queue>();
  #run: RunBatch;

  constructor(run: RunBatch) {
    this.#run = run;
  }

  /** Queues `event`; resolves to the chain's value for it, or null when a plugin dropped it. */
  add(hook: TransformHookpoint, event: unknown): Promise<unknown> {
    let q = this.#queues.get(hook);
    if (!q) {
      q = { events: [], settle: [], fail: [] };
      this.#queues.set(hook, q);
      queueMicrotask(() => this.#flush(hook));
    }
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    q.events.push(event);
    q.settle.push(resolve);
    q.fail.push(reject);
    return promise;
  }

  #flush(hook: TransformHookpoint): void {
    const q = this.#queues.get(hook)!;
    this.#queues.delete(hook);
    this.#run(hook, q.events).then((outs) => {
      for (let i = 0; i < outs.length; i++) {
        const o = outs[i];
        q.settle[i](o.dropped ? null : o.value);
      }
    }, (err) => {
      for (const f of q.fail) f(err);
    });
  }
}
