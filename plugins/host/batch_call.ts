/**
 * A batch-level hook call into a cage: one `hooks` request for the events of one tick, one answer
 * per event. Accounting stays per event: each is a call; a timeout or an error of the whole
 * request counts for every event (logged once), a hook that threw for one event fails only it.
 *
 * @module
 */

import type { HookpointName } from "../sdk/hookpoints.ts";
import type { HookAnswer, HookBatch } from "./protocol.ts";
import { RemoteError, RpcTimeoutError } from "./rpc.ts";
import type { CallOutcome, RunnerBase } from "./runner.ts";

/** Sends one batch and resolves to its answers. */
export type SendBatch = (batch: HookBatch) => Promise<HookAnswer[]>;

/**
 * Calls `hook` once for all `events` through `send` (null: the plugin is not running). `same`
 * answers become "nothing returned" (the chain keeps its value); a `patch` is put over its event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callBatchOver } from "./batch_call.ts";
 * import { RunnerBase } from "./runner.ts";
 * const log = { debug() {}, info() {}, warn() {}, error() {} };
 * class R extends RunnerBase {}
 * const runner = new R("p", { timeout_ms: 100 } as never, log);
 * const send = () => Promise.resolve([{ v: 1 }, { same: true as const }, { error: "boom" }]);
 * const out = await callBatchOver(send, runner, "message.publish", ["a", "b", "c"]);
 * assert.deepEqual(out.map((o) => o.ok), [true, true, false]);
 * assert.deepEqual([runner.metrics.calls, runner.metrics.errors], [3, 1]);
 * ```
 */
export async function callBatchOver(
  send: SendBatch | null,
  runner: RunnerBase,
  hook: HookpointName,
  events: unknown[],
): Promise<CallOutcome[]> {
  const n = events.length;
  const all = (o: CallOutcome) => events.map(() => o);
  if (!send) return all({ ok: false, reason: "unavailable", message: `plugin is ${runner.state}` });
  runner.metrics.calls += n;
  const t0 = performance.now();
  let answers: HookAnswer[];
  try {
    answers = await send({ h: hook, es: events });
  } catch (err) {
    if (err instanceof RpcTimeoutError) return all(runner.fault(hook, "timeout", err.message, n));
    if (err instanceof RemoteError) return all(runner.fault(hook, "error", err.message, n));
    return all({ ok: false, reason: "unavailable", message: (err as Error).message });
  }
  if (answers.length !== n) {
    return all(runner.fault(hook, "error", `answered ${answers.length} of ${n} events`, n));
  }
  runner.hookMetrics.call(hook, performance.now() - t0, n);
  return answers.map((a, i): CallOutcome => {
    if ("error" in a) return runner.fault(hook, "error", a.error);
    if ("patch" in a) return { ok: true, value: { ...(events[i] as object), ...a.patch } };
    return { ok: true, value: "same" in a ? undefined : a.v };
  });
}
