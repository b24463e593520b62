/**
 * What the coordinator (`bench/run.ts`) asks a load worker to do, and what the worker answers.
 * Both cross the process boundary as JSON: a spec as the worker's only argument, a result as the
 * last line of its standard output.
 *
 * @module
 */
import type { MqttVersion } from "./codec.ts";
import type { LatencySummary } from "./tracker.ts";

/**
 * How a flow lays out topics and filters (`bench/load/shapes.ts`):
 * - `one-topic`: every publisher sends to one topic that every subscriber subscribes to;
 * - `fan-in`: publisher N sends to its own topic, subscribers subscribe to `#` under the run;
 * - `wildcard`: 10,000 topics two levels deep, subscribers with `+` and `#` filters, each
 *   publisher cycling through the topics;
 * - `shared`: one topic, subscribers in one shared group (`$share/g/...`): each message once.
 */
export type FlowShape = "one-topic" | "fan-in" | "wildcard" | "shared";

/** A flow: publishers send, subscribers count what arrives. */
export interface FlowSpec {
  mode: "flow";
  /** `one-topic` when absent. */
  shape?: FlowShape;
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
  /** Subscribers connect with Clean Session 0 (MQTT 3.1.1): persistent sessions. */
  persistentSubscribers?: boolean;
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
  /** Retained runs: the store phase, before the subscriber subscribed. */
  retained?: RetainedFigures;
}

/**
 * One publisher stores `messages` retained messages (QoS 1, `inflight` unacknowledged, one topic
 * each), then one subscriber subscribes to `#` and receives them; the flow figures time that
 * delivery, from SUBSCRIBE to the last message. Run on a fresh broker.
 */
export interface RetainedSpec extends Omit<FlowSpec, "mode" | "shape" | "rate"> {
  mode: "retained";
}

/** What the store phase of a {@linkcode RetainedSpec} took. */
export interface RetainedFigures {
  /** Messages the broker acknowledged. */
  stored: number;
  storeMs: number;
  /** Broker RSS before storing, after storing, and at its peak while delivering. */
  rssBeforeKb: number | null;
  rssStoredKb: number | null;
  rssPeakKb: number | null;
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
export type LoadSpec = FlowSpec | IdleSpec | RetainedSpec;
