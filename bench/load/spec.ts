/**
 * What the coordinator (`bench/run.ts`) asks a load worker to do, and what the worker answers.
 * Both cross the process boundary as JSON: a spec as the worker's only argument, a result as the
 * last line of its standard output.
 *
 * @module
 */
import type { MqttVersion } from "./codec.ts";
import type { LatencySummary } from "./tracker.ts";

/** Publishers send to one topic that every subscriber subscribes to. */
export interface FlowSpec {
  mode: "flow";
  host: string;
  port: number;
  version: MqttVersion;
  qos: 0 | 1;
  publishers: number;
  subscribers: number;
  /** Messages per publisher. */
  messages: number;
  /** QoS 1 PUBLISHes a publisher keeps unacknowledged. */
  inflight: number;
  /** Messages per second per publisher; null = as fast as the broker takes them. */
  rate: number | null;
  payloadSize: number;
  /** Give up this long after the start. */
  timeoutMs: number;
  /** After the last send, stop waiting when nothing arrived for this long. */
  idleMs: number;
  /** Broker process to sample (CPU, RSS), if known. */
  brokerPid: number | null;
  /** Makes client ids and the topic unique per run. */
  runId: string;
}

/** The outcome of a {@linkcode FlowSpec}. */
export interface FlowResult {
  mode: "flow";
  sent: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  /** First send to last receive. */
  elapsedMs: number;
  /** Unique deliveries per second. */
  rate: number;
  latencyMs: LatencySummary;
  brokerCpuMs: number | null;
  brokerPeakRssKb: number | null;
  loadgenCpuMs: number | null;
  timedOut: boolean;
}

/** Many clients connect and stay idle until the coordinator closes the worker's standard input. */
export interface IdleSpec {
  mode: "idle";
  host: string;
  port: number;
  version: MqttVersion;
  count: number;
  /** Connections being set up at once. */
  concurrency: number;
  keepalive: number;
  timeoutMs: number;
  runId: string;
  /** Client N sends the user name `${usernamePrefix}${N}`; none when absent. */
  usernamePrefix?: string;
}

/** Printed (one JSON line) once every idle client is connected or has failed. */
export interface IdleResult {
  mode: "idle";
  connected: number;
  failed: number;
  firstError: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
}

/** Any worker spec. */
export type LoadSpec = FlowSpec | IdleSpec;
