/**
 * The benchmark scenarios: what load each one applies, to which brokers, and the figures it reports.
 * Counts are at scale 1; `--scale` multiplies message counts for short development runs.
 *
 * @module
 */
import type { BrokerId } from "./brokers.ts";
import type { FlowSpec } from "./load/spec.ts";

/** The load of a flow scenario (host, port, pid and run id are filled in per run). */
export type FlowLoad = Omit<
  FlowSpec,
  "mode" | "host" | "port" | "brokerPid" | "runId" | "timeoutMs"
>;

/** Which brokers a scenario runs against. */
export type Audience = "all" | "v5" | "aviary";

/** One row group of the results table. */
export interface Scenario {
  id: string;
  title: string;
  /** One sentence for the README: what is measured. */
  measures: string;
  kind: "flow" | "idle" | "plugins";
  audience: Audience;
  /** Flow and plugin scenarios. */
  load?: FlowLoad;
  /** Reported figure for flow scenarios: received messages/s, or latency percentiles. */
  figure?: "rate" | "latency";
  /** Figures measured earlier on this machine (Mosquitto, aedes), for context. */
  earlier?: Partial<Record<BrokerId, string>>;
}

const base = { publishers: 1, inflight: 100, rate: null, payloadSize: 64, idleMs: 2000 } as const;

/** Every scenario, in run order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: "qos0-1to1",
    title: "QoS0 1->1 100k",
    measures: "one publisher blasts 100k QoS 0 messages to one subscriber; received msgs/s",
    kind: "flow",
    audience: "all",
    load: { ...base, version: 4, qos: 0, subscribers: 1, messages: 100_000 },
    figure: "rate",
    earlier: { mosquitto: "178k", aedes: "153k" },
  },
  {
    id: "qos0-1to50",
    title: "QoS0 1->50 1M deliveries",
    measures: "one publisher sends 20k QoS 0 messages to 50 subscribers of the topic; deliveries/s",
    kind: "flow",
    audience: "all",
    load: { ...base, version: 4, qos: 0, subscribers: 50, messages: 20_000 },
    figure: "rate",
    earlier: { mosquitto: "253k", aedes: "150k" },
  },
  {
    id: "qos1-1to1",
    title: "QoS1 1->1 100k, 100 in flight",
    measures: "100k QoS 1 messages, at most 100 unacknowledged at the publisher; received msgs/s",
    kind: "flow",
    audience: "all",
    load: { ...base, version: 4, qos: 1, subscribers: 1, messages: 100_000 },
    figure: "rate",
    earlier: { mosquitto: "54k", aedes: "98k" },
  },
  {
    id: "qos1-1to50",
    title: "QoS1 1->50 500k deliveries",
    measures:
      "10k QoS 1 messages (100 in flight) to 50 QoS 1 subscribers that PUBACK; deliveries/s",
    kind: "flow",
    audience: "all",
    load: { ...base, version: 4, qos: 1, subscribers: 50, messages: 10_000 },
    figure: "rate",
    earlier: { mosquitto: "221k", aedes: "139k" },
  },
  {
    id: "latency-5k",
    title: "Latency, paced 5k msg/s (p50/p99 ms)",
    measures: "QoS 0 1->1 at a steady 5,000 msg/s for 10 s; publish-to-delivery latency p50/p99",
    kind: "flow",
    audience: "all",
    load: { ...base, version: 4, qos: 0, subscribers: 1, messages: 50_000, rate: 5000 },
    figure: "latency",
    earlier: { mosquitto: "1.0/18.7", aedes: "1.5/40.9" },
  },
  {
    id: "v5-qos0-1to1",
    title: "MQTT 5 QoS0 1->1 100k",
    measures: "as QoS0 1->1 with MQTT 5 clients (brokers that speak 5)",
    kind: "flow",
    audience: "v5",
    load: { ...base, version: 5, qos: 0, subscribers: 1, messages: 100_000 },
    figure: "rate",
  },
  {
    id: "v5-qos0-1to50",
    title: "MQTT 5 QoS0 1->50 1M deliveries",
    measures: "as QoS0 1->50 with MQTT 5 clients (brokers that speak 5)",
    kind: "flow",
    audience: "v5",
    load: { ...base, version: 5, qos: 0, subscribers: 50, messages: 20_000 },
    figure: "rate",
  },
  {
    id: "idle",
    title: "Idle connections",
    measures: "N clients CONNECT and stay idle (2,000; 20,000 with --full): connects/s and " +
      "broker RSS growth per connection",
    kind: "idle",
    audience: "all",
  },
  {
    id: "aviary-plugins",
    title: "Aviary + transform plugin, QoS0 1->1 100k",
    measures: "QoS0 1->1 on Aviary with bench/plugins/transform.ts loaded vs without; overhead",
    kind: "plugins",
    audience: "aviary",
    load: { ...base, version: 4, qos: 0, subscribers: 1, messages: 100_000 },
    figure: "rate",
  },
];

/** The fixture the plugin scenario loads, and the YAML that loads it into Aviary. */
export const PLUGIN_FIXTURE = new URL("./plugins/transform.ts", import.meta.url).pathname;

/**
 * Extra Aviary YAML for the plugin scenario (merged by `aviaryConfigYaml`). The lead owns the
 * fixture; adjust the entry here when the plugin host's config settles.
 */
export function pluginExtraYaml(fixture = PLUGIN_FIXTURE): string {
  return `plugins:\n  transform:\n    source: ${JSON.stringify(fixture)}\n    isolation: worker\n`;
}

/** The brokers a scenario runs against, out of those available. */
export function audienceOf(s: Scenario, available: readonly BrokerId[], v5: ReadonlySet<BrokerId>) {
  if (s.audience === "aviary") return available.filter((b) => b === "aviary");
  if (s.audience === "v5") return available.filter((b) => v5.has(b));
  return [...available];
}
