/**
 * Throughput and latency load: subscribers first, then publishers sending as fast as the broker
 * takes them (QoS 0: TCP back pressure; QoS 1: a window of unacknowledged PUBLISHes) or paced.
 * Topics and filters follow the spec's shape (`bench/load/shapes.ts`).
 *
 * @module
 */
import { encodeDisconnect, nowMs } from "./codec.ts";
import type { MqttConn } from "./conn.ts";
import { connect, pooled, type Subscriber, subscriber } from "./_clients.ts";
import { publish, templates } from "./_publish.ts";
import { cpuTimeMs, ProcessSampler } from "./procstat.ts";
import { layout } from "./shapes.ts";
import type { FlowResult, FlowSpec } from "./spec.ts";
import { Seen, summarizeLatency, Tracker } from "./tracker.ts";

/** CONNECTs (and SUBSCRIBEs) in flight while a flow sets up its clients. */
export const SETUP_CONCURRENCY = 100;

/** Runs one flow and returns its result. */
export async function runFlow(spec: FlowSpec): Promise<FlowResult> {
  const where = layout(spec);
  const seen = where.shared ? new Seen(spec.publishers, spec.messages) : undefined;
  const subs = await pooled(spec.subscribers, SETUP_CONCURRENCY, (i) => {
    const tracker = new Tracker(spec.publishers, spec.messages, seen);
    return subscriber(spec, `${spec.runId}-s${i}`, where.filter(i), spec.qos, tracker);
  }, (s) => s.conn.close());
  const pubs = await pooled(
    spec.publishers,
    SETUP_CONCURRENCY,
    (i) => connect(spec, `${spec.runId}-p${i}`),
    (c) => c.close(),
  ).catch(async (err) => {
    await closeAll([], subs);
    throw err;
  });
  const broker = spec.brokerPid === null ? null : new ProcessSampler(spec.brokerPid);
  const selfCpu = cpuTimeMs("self");
  const startedAt = nowMs();
  const deadline = startedAt + spec.timeoutMs;
  const sending = Promise.all(
    pubs.map((conn, i) => publish(spec, conn, templates(where.topics(i), spec, i), deadline)),
  );
  const { sent, timedOut } = await awaitDeliveries(spec, subs, sending, where.expected, deadline);
  const usage = broker?.stop();
  const selfEnd = cpuTimeMs("self");
  await closeAll(pubs, subs);
  return {
    ...tally(subs, where.expected, startedAt),
    sent,
    brokerCpuMs: usage?.cpuMs ?? null,
    brokerPeakRssKb: usage?.peakRssKb ?? null,
    loadgenCpuMs: selfCpu === null || selfEnd === null ? null : selfEnd - selfCpu,
    timedOut,
  };
}

/**
 * Waits until `expected` unique messages arrived, or `idleMs` after the last send and the last
 * arrival, or the deadline.
 */
export async function awaitDeliveries(
  spec: Pick<FlowSpec, "idleMs">,
  subs: Subscriber[],
  sending: Promise<number[]>,
  expected: number,
  deadline: number,
): Promise<{ sent: number; timedOut: boolean }> {
  let sent = 0;
  let sendDoneAt = Infinity;
  sending.then((counts) => {
    sent = counts.reduce((a, b) => a + b, 0);
    sendDoneAt = nowMs();
  });
  let timedOut = false;
  while (received(subs) < expected) {
    await new Promise((r) => setTimeout(r, 20));
    const now = nowMs();
    const lastAt = subs.reduce((t, s) => Math.max(t, s.tracker.lastAt), sendDoneAt);
    if (now > deadline) timedOut = true;
    if (timedOut || (sendDoneAt !== Infinity && now - lastAt > spec.idleMs)) break;
  }
  // Publishers may still be collecting their last acknowledgements: give them a moment.
  let wait: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([sending, new Promise((r) => wait = setTimeout(r, spec.idleMs))]);
  clearTimeout(wait);
  return { sent, timedOut };
}

function received(subs: Subscriber[]): number {
  let n = 0;
  for (const s of subs) n += s.tracker.unique;
  return n;
}

/** The delivery figures of `subs`, timed from `startedAt` to the last arrival. */
export function tally(subs: Subscriber[], expected: number, startedAt: number) {
  const finished = subs.reduce((t, s) => Math.max(t, s.tracker.lastAt), startedAt);
  const got = received(subs);
  const elapsedMs = finished - startedAt;
  let duplicates = 0;
  let outOfOrder = 0;
  for (const s of subs) {
    duplicates += s.tracker.duplicates;
    outOfOrder += s.tracker.outOfOrder;
  }
  return {
    mode: "flow" as const,
    expected,
    received: got,
    lost: expected - got,
    duplicates,
    outOfOrder,
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    rate: elapsedMs > 0 ? Math.round((got * 1000) / elapsedMs) : 0,
    latencyMs: summarizeLatency(subs.map((s) => s.tracker)),
  };
}

/** Sends DISCONNECT on every connection, then closes them. */
export async function closeAll(pubs: MqttConn[], subs: Subscriber[]): Promise<void> {
  const conns = [...pubs, ...subs.map((s) => s.conn)];
  for (const c of conns) {
    try {
      c.write(encodeDisconnect());
    } catch { /* broken already */ }
  }
  await new Promise((r) => setTimeout(r, 50));
  for (const c of conns) c.close();
}
