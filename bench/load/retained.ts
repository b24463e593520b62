/**
 * Retained messages at scale: one publisher stores N retained messages (QoS 1, one topic each,
 * a window of unacknowledged PUBLISHes), then one subscriber subscribes to `#` and receives them
 * all. Timed from the SUBSCRIBE to the last message; broker RSS before, after storing and at its
 * peak while delivering. Meant for a fresh broker: `#` would also collect older retained messages.
 *
 * @module
 */
import { nowMs } from "./codec.ts";
import { connect, subscribeOn } from "./_clients.ts";
import { publish, templates } from "./_publish.ts";
import { awaitDeliveries, closeAll, tally } from "./flow.ts";
import { cpuTimeMs, ProcessSampler, rssKb } from "./procstat.ts";
import type { FlowResult, RetainedSpec } from "./spec.ts";
import { Tracker } from "./tracker.ts";

/**
 * Topic of retained message `i` below `root`: two levels, a thousand topics per branch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retainedTopic } from "./retained.ts";
 * assert.equal(retainedTopic("bench/r", 12_345), "bench/r/12/345");
 * ```
 */
export function retainedTopic(root: string, i: number): string {
  return `${root}/${Math.floor(i / 1000)}/${i % 1000}`;
}

/** Runs one retained flow and returns its result. */
export async function runRetained(spec: RetainedSpec): Promise<FlowResult> {
  const pid = spec.brokerPid;
  const rssBeforeKb = pid === null ? null : rssKb(pid);
  const root = `bench/${spec.runId}`;
  const topics = Array.from({ length: spec.messages }, (_, i) => retainedTopic(root, i));
  const plan = { ...spec, qos: 1 as const, rate: null, retain: true };
  const pub = await connect(spec, `${spec.runId}-p0`);
  const storeStart = nowMs();
  const stored = await publish(plan, pub, templates(topics, plan, 0), storeStart + spec.timeoutMs);
  const storeMs = nowMs() - storeStart;
  const rssStoredKb = pid === null ? null : rssKb(pid);
  const conn = await connect(spec, `${spec.runId}-s0`);
  const tracker = new Tracker(1, spec.messages);
  const sub = { conn, tracker };
  const broker = pid === null ? null : new ProcessSampler(pid, 50);
  const selfCpu = cpuTimeMs("self");
  const startedAt = nowMs();
  const deadline = startedAt + spec.timeoutMs;
  const subscribed = subscribeOn(conn, spec, "#", spec.qos, tracker).then(() => [0]);
  const { timedOut } = await awaitDeliveries(spec, [sub], subscribed, spec.messages, deadline);
  const usage = broker?.stop();
  const selfEnd = cpuTimeMs("self");
  await closeAll([pub], [sub]);
  return {
    ...tally([sub], spec.messages, startedAt),
    sent: stored,
    brokerCpuMs: usage?.cpuMs ?? null,
    brokerPeakRssKb: usage?.peakRssKb ?? null,
    loadgenCpuMs: selfCpu === null || selfEnd === null ? null : selfEnd - selfCpu,
    timedOut,
    retained: {
      stored,
      storeMs: Math.round(storeMs),
      rssBeforeKb,
      rssStoredKb,
      rssPeakKb: usage?.peakRssKb ?? null,
    },
  };
}
