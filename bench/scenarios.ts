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

/** A plugin fixture a scenario runs Aviary with, compared with the same Aviary without it. */
export interface PluginFixture {
  /** Row label, e.g. `transform plugin`. */
  label: string;
  /** Absolute path of the single-file plugin. */
  file: string;
  /** Extra Aviary YAML that loads it (merged by `aviaryConfigYaml`). */
  yaml: string;
  /** The share of the no-plugin figure Aviary must keep with the plugin loaded (0.7 = 70%). */
  keepAtLeast: number;
}

/** A connect-rate load: `clients` CONNECTs, `concurrency` at a time, user names `bench-N`. */
export interface ConnectLoad {
  clients: number;
  concurrency: number;
  usernamePrefix: string;
}

/** One row group of the results table. */
export interface Scenario {
  id: string;
  title: string;
  /** One sentence for the README: what is measured. */
  measures: string;
  /**
   * `flow`: messages; `idle`: held connections and RSS; `connect`: CONNECTs/s; `retained`:
   * retained messages stored, then delivered to a `#` subscriber (a fresh broker per run).
   */
  kind: "flow" | "idle" | "connect" | "retained";
  audience: Audience;
  /** Flow and retained scenarios. */
  load?: FlowLoad;
  /** Connect scenarios. */
  connect?: ConnectLoad;
  /** Plugin scenarios (Aviary alone): the fixture, run against Aviary without it. */
  plugin?: PluginFixture;
  /** Extra YAML merged into Aviary's config for this scenario (e.g. a listener option). */
  aviaryYaml?: string;
  /** Reported figure for flow scenarios: received messages/s, or latency percentiles. */
  figure?: "rate" | "latency";
  /** Figures measured earlier on this machine (Mosquitto, aedes), for context. */
  earlier?: Partial<Record<BrokerId, string>>;
}

const base = { publishers: 1, inflight: 100, rate: null, payloadSize: 64, idleMs: 2000 } as const;

/** What a flow scenario states beyond its id and title; the rest defaults (all brokers, rate). */
interface FlowParts extends Pick<Scenario, "measures" | "earlier" | "plugin"> {
  audience?: Audience;
  figure?: "rate" | "latency";
  /** The load, over `base` (one publisher, 100 in flight, unpaced, 64-byte payloads). */
  load:
    & Pick<FlowLoad, "version" | "qos" | "subscribers" | "messages">
    & Partial<Pick<FlowLoad, "rate" | "publishers" | "inflight" | "shape">>;
}

/** A flow scenario: `parts` over the defaults. */
function flow(id: string, title: string, parts: FlowParts): Scenario {
  const { audience = "all", figure = "rate", load, ...rest } = parts;
  return { id, title, kind: "flow", audience, figure, load: { ...base, ...load }, ...rest };
}

/**
 * QoS 0 1->1 on Aviary with a plugin fixture from bench/plugins/ in `isolation`, against the
 * same row without it; `keep` is the share of throughput the row must keep.
 */
function pluginFlow(
  row: string,
  kind: string,
  isolation: "worker" | "process",
  what: string,
  keep: number,
): Scenario {
  const suffix = isolation === "process" ? "" : "-worker";
  return flow(`aviary-${row}${suffix}`, "Aviary QoS0 1->1 100k", {
    measures: `QoS0 1->1 on Aviary with bench/plugins/${kind}.ts (isolation: ${isolation}, ` +
      `${what}) vs without; the share of throughput kept`,
    audience: "aviary",
    load: { version: 4, qos: 0, subscribers: 1, messages: 100_000 },
    plugin: fixture(kind, `${kind} plugin (${isolation})`, keep, "", isolation),
  });
}

/** Every scenario, in run order. */
export const SCENARIOS: readonly Scenario[] = [
  flow("qos0-1to1", "QoS0 1->1 100k", {
    measures: "one publisher blasts 100k QoS 0 messages to one subscriber; received msgs/s",
    load: { version: 4, qos: 0, subscribers: 1, messages: 100_000 },
    earlier: { mosquitto: "178k", aedes: "153k" },
  }),
  flow("qos0-1to50", "QoS0 1->50 1M deliveries", {
    measures: "one publisher sends 20k QoS 0 messages to 50 subscribers of the topic; deliveries/s",
    load: { version: 4, qos: 0, subscribers: 50, messages: 20_000 },
    earlier: { mosquitto: "253k", aedes: "150k" },
  }),
  flow("qos1-1to1", "QoS1 1->1 100k, 100 in flight", {
    measures: "100k QoS 1 messages, at most 100 unacknowledged at the publisher; received msgs/s",
    load: { version: 4, qos: 1, subscribers: 1, messages: 100_000 },
    earlier: { mosquitto: "54k", aedes: "98k" },
  }),
  flow("qos1-1to50", "QoS1 1->50 500k deliveries", {
    measures:
      "10k QoS 1 messages (100 in flight) to 50 QoS 1 subscribers that PUBACK; deliveries/s",
    load: { version: 4, qos: 1, subscribers: 50, messages: 10_000 },
    earlier: { mosquitto: "221k", aedes: "139k" },
  }),
  flow("latency-5k", "Latency, paced 5k msg/s (p50/p99 ms)", {
    measures: "QoS 0 1->1 at a steady 5,000 msg/s for 10 s; publish-to-delivery latency p50/p99",
    load: { version: 4, qos: 0, subscribers: 1, messages: 50_000, rate: 5000 },
    figure: "latency",
    earlier: { mosquitto: "1.0/18.7", aedes: "1.5/40.9" },
  }),
  flow("v5-qos0-1to1", "MQTT 5 QoS0 1->1 100k", {
    measures: "as QoS0 1->1 with MQTT 5 clients (brokers that speak 5)",
    audience: "v5",
    load: { version: 5, qos: 0, subscribers: 1, messages: 100_000 },
  }),
  flow("v5-qos0-1to50", "MQTT 5 QoS0 1->50 1M deliveries", {
    measures: "as QoS0 1->50 with MQTT 5 clients (brokers that speak 5)",
    audience: "v5",
    load: { version: 5, qos: 0, subscribers: 50, messages: 20_000 },
  }),
  flow("fan-in", "Fan-in 1,000 publishers -> #, QoS1 100k", {
    measures: "1,000 publishers, each on its own topic, send 100 QoS 1 messages each (10 in " +
      "flight) to one QoS 1 subscriber of `#` under their topics; received msgs/s",
    load: {
      version: 4,
      qos: 1,
      shape: "fan-in",
      publishers: 1000,
      inflight: 10,
      subscribers: 1,
      messages: 100,
    },
  }),
  flow("wildcard", "Wildcard 10k subscribers x 10k topics", {
    measures: "10,000 subscribers with `a/+`, `+/b`, `a/#` and `a/b/#` filters over 10,000 " +
      "topics; one publisher cycles through the topics, 20k QoS 0 messages (~1.5M deliveries); " +
      "deliveries/s",
    load: { version: 4, qos: 0, shape: "wildcard", subscribers: 10_000, messages: 20_000 },
  }),
  {
    id: "retained",
    title: "Retained 100k -> # subscriber",
    measures: "a fresh broker stores 100k retained messages (QoS 1, one topic each), then one " +
      "QoS 0 subscriber of `#` receives them all: time from SUBSCRIBE to the last one, and the " +
      "broker's RSS growth from before storing to its peak while delivering",
    kind: "retained",
    audience: "all",
    load: { ...base, version: 4, qos: 0, subscribers: 1, messages: 100_000 },
  },
  flow("v5-shared", "MQTT 5 shared subscription, 10 consumers", {
    measures: "one publisher sends 100k QoS 1 messages (100 in flight) to `$share/g/<topic>` " +
      "with 10 QoS 1 consumers: each message once; received msgs/s (brokers with shared " +
      "subscriptions; aedes has none)",
    audience: "v5",
    load: { version: 5, qos: 1, shape: "shared", subscribers: 10, messages: 100_000 },
  }),
  {
    id: "idle",
    title: "Idle connections",
    measures: "N clients CONNECT and stay idle (2,000; 20,000 with --full): connects/s and " +
      "broker RSS growth per connection",
    kind: "idle",
    audience: "all",
  },
  {
    id: "idle-node-sockets",
    title: "Idle connections, Aviary with `socket: node`",
    measures: "the `idle` row on Aviary alone with its tcp listener on `node:net` sockets " +
      "(`listeners.<name>.socket: node`): connects/s and broker RSS growth per connection",
    kind: "idle",
    audience: "aviary",
    aviaryYaml: "listeners:\n  default:\n    socket: node\n",
  },
  ...(["worker", "process"] as const).flatMap((isolation) => {
    const suffix = isolation === "process" ? "" : "-worker";
    return [
      pluginFlow("plugins", "transform", isolation, "rewrites every message", 0.7),
      pluginFlow("notify", "notify", isolation, "a packet.received notification per packet", 0.9),
      {
        id: `aviary-auth${suffix}`,
        title: "Aviary 2,000 CONNECTs",
        measures: "2,000 clients (user names bench-N, 50 CONNECTs in flight) connect to Aviary " +
          `allowing anonymous clients vs with bench/plugins/auth.ts (isolation: ${isolation}) ` +
          "as the only authenticator; CONNECTs/s",
        kind: "connect",
        audience: "aviary",
        connect: { clients: 2000, concurrency: 50, usernamePrefix: "bench-" },
        plugin: fixture(
          "auth",
          `auth plugin (${isolation})`,
          0.5,
          "auth:\n  allow_anonymous: false\n  plugins: [auth]\n",
          isolation,
        ),
      },
    ] satisfies Scenario[];
  }),
];

/**
 * A fixture in `bench/plugins/<alias>.ts`, loaded caged (`isolation` as given, no permissions)
 * under `plugins.<alias>`, plus `extraYaml`.
 */
function fixture(
  alias: string,
  label: string,
  keepAtLeast: number,
  extraYaml: string,
  isolation: "worker" | "process",
) {
  const file = new URL(`./plugins/${alias}.ts`, import.meta.url).pathname;
  const yaml = `${extraYaml}plugins:\n  ${alias}:\n    source: ${JSON.stringify(file)}\n` +
    `    isolation: ${isolation}\n    permissions: {}\n`;
  return { label, file, yaml, keepAtLeast } satisfies PluginFixture;
}

/** The brokers a scenario runs against, out of those available. */
export function audienceOf(s: Scenario, available: readonly BrokerId[], v5: ReadonlySet<BrokerId>) {
  if (s.audience === "aviary") return available.filter((b) => b === "aviary");
  if (s.audience === "v5") return available.filter((b) => v5.has(b));
  return [...available];
}
