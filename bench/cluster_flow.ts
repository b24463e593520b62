/**
 * The load worker of `deno task bench cluster`: a flow (`bench/load/flow.ts`) whose subscribers
 * are spread over several brokers (cluster nodes) while its publishers use `port`.
 *
 * ```
 * deno run -A bench/cluster_flow.ts '<ClusterFlowSpec JSON>'
 * ```
 *
 * Prints its {@linkcode FlowResult} as one JSON line and exits.
 *
 * @module
 */
import { awaitDeliveries, closeAll, SETUP_CONCURRENCY, tally } from "./load/flow.ts";
import { connect, pooled, subscriber } from "./load/_clients.ts";
import { publish, templates } from "./load/_publish.ts";
import { cpuTimeMs, ProcessSampler } from "./load/procstat.ts";
import { layout } from "./load/shapes.ts";
import type { FlowResult, FlowSpec } from "./load/spec.ts";
import { nowMs } from "./load/codec.ts";
import { Tracker } from "./load/tracker.ts";

/** A flow over several nodes: subscriber `i` connects to `subscriberPorts[i % length]`. */
export interface ClusterFlowSpec extends FlowSpec {
  subscriberPorts: number[];
  /** Every broker process to sample (CPU summed, peak RSS summed). */
  brokerPids: number[];
  /** Pause between the last SUBACK and the first PUBLISH, so interest crosses NATS. */
  settleMs: number;
}

/**
 * Runs one flow over the nodes of `spec` and returns its figures (one-topic shape).
 *
 * @throws {RangeError} when `spec.subscriberPorts` is empty
 */
export async function runClusterFlow(spec: ClusterFlowSpec): Promise<FlowResult> {
  if (spec.subscriberPorts.length === 0) {
    throw new RangeError("Cannot run a cluster flow: subscriberPorts is empty");
  }
  const where = layout(spec);
  const subs = await pooled(spec.subscribers, SETUP_CONCURRENCY, (i) => {
    const port = spec.subscriberPorts[i % spec.subscriberPorts.length];
    const tracker = new Tracker(spec.publishers, spec.messages);
    return subscriber({ ...spec, port }, `${spec.runId}-s${i}`, where.filter(i), spec.qos, tracker);
  }, (s) => s.conn.close());
  await new Promise((r) => setTimeout(r, spec.settleMs));
  const pubs = await pooled(
    spec.publishers,
    SETUP_CONCURRENCY,
    (i) => connect(spec, `${spec.runId}-p${i}`),
    (c) => c.close(),
  ).catch(async (err) => {
    await closeAll([], subs);
    throw err;
  });
  const samplers = spec.brokerPids.map((pid) => new ProcessSampler(pid));
  const selfCpu = cpuTimeMs("self");
  const startedAt = nowMs();
  const deadline = startedAt + spec.timeoutMs;
  const sending = Promise.all(
    pubs.map((conn, i) => publish(spec, conn, templates(where.topics(i), spec, i), deadline)),
  );
  const { sent, timedOut } = await awaitDeliveries(spec, subs, sending, where.expected, deadline);
  const usage = samplers.map((s) => s.stop());
  const selfEnd = cpuTimeMs("self");
  await closeAll(pubs, subs);
  const sum = (xs: (number | null)[]) =>
    xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + b!, 0);
  return {
    ...tally(subs, where.expected, startedAt),
    sent,
    brokerCpuMs: sum(usage.map((u) => u.cpuMs)),
    brokerPeakRssKb: sum(usage.map((u) => u.peakRssKb)),
    loadgenCpuMs: selfCpu === null || selfEnd === null ? null : selfEnd - selfCpu,
    timedOut,
  };
}

if (import.meta.main) {
  try {
    const spec = JSON.parse(Deno.args[0] ?? "null") as ClusterFlowSpec | null;
    if (spec === null) throw new TypeError("Usage: cluster_flow.ts '<spec JSON>'");
    console.log(JSON.stringify(await runClusterFlow(spec)));
    Deno.exit(0);
  } catch (err) {
    console.error(`cluster load worker: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
