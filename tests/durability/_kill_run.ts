/**
 * The kill -9 run: a broker started as a real process (`main.ts --config`) on SQLite, a QoS 1 and
 * a QoS 2 publisher feeding a persistent offline subscriber, the broker killed with SIGKILL at
 * seeded random moments and restarted. At the end the subscriber comes back and must receive
 * every message whose PUBACK / PUBCOMP its publisher got, QoS 2 ones exactly once, its
 * subscriptions and the retained message back.
 *
 * @module
 */
import mqtt, { type MqttClient } from "mqtt";
import { connectCollecting, type Got, persistent } from "./_clients.ts";
import { spawnBroker } from "../_broker_process.ts";

/** Options of {@linkcode runKills}. */
export interface KillRunOptions {
  kills: number;
  seed: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What a run saw. */
export interface KillReport {
  kills: number;
  acked: { qos1: number; qos2: number };
  received: { qos1: number; qos2: number };
  /** Acknowledged messages the subscriber never got. */
  missing: string[];
  /** QoS 2 messages received more than once. */
  duplicated: string[];
  retainedBack: boolean;
}

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Publishes `prefix-N` messages with at most `window` in flight until stopped; records acks. */
function publisher(url: string, qos: 1 | 2, prefix: string, acked: Set<string>) {
  const client: MqttClient = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000 });
  let n = 0, inflight = 0, stopped = false;
  client.on("error", () => {});
  const pump = () => {
    while (!stopped && client.connected && inflight < 10) {
      const payload = `${prefix}-${n++}`;
      inflight++;
      client.publishAsync(`k/${qos}/x`, payload, { qos }).then(() => acked.add(payload), () => {})
        .finally(() => {
          inflight--;
          pump();
        });
    }
  };
  client.on("connect", pump);
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        client.end(true, {}, () => setTimeout(resolve, 0));
      }),
  };
}

/** Runs the kills; the caller checks the report. */
export async function runKills(opts: KillRunOptions): Promise<KillReport> {
  const rand = random(opts.seed);
  const dir = await Deno.makeTempDir({ prefix: "aviary-kill-" });
  const port = freePort();
  const config = `${dir}/aviary.yaml`;
  await Deno.writeTextFile(
    config,
    `listeners:\n  default: {type: tcp, bind: "127.0.0.1:${port}"}\nauth: {allow_anonymous: true}\n` +
      `log: {level: info}\ndata_dir: ${dir}/data\nmqtt: {max_queued_messages: 100000}\n`,
  );
  const url = `mqtt://127.0.0.1:${port}`;
  const acked = { 1: new Set<string>(), 2: new Set<string>() };
  try {
    let broker = await spawnBroker(config, Deno.env.get("KILL_DEBUG") !== undefined);
    const setup = await connectCollecting(url, persistent("durable-sub"), []);
    await setup.client.subscribeAsync({ "k/1/#": { qos: 1 }, "k/2/#": { qos: 2 } });
    await setup.client.publishAsync("k/retained", "still here", { qos: 1, retain: true });
    await new Promise<void>((r) => setup.client.end(false, {}, () => setTimeout(r, 0)));
    for (let kill = 1; kill <= opts.kills; kill++) {
      const p1 = publisher(url, 1, `a${kill}`, acked[1]);
      const p2 = publisher(url, 2, `b${kill}`, acked[2]);
      await Promise.all([p1.ready, p2.ready]); // kill while messages flow
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 200)));
      await broker.stop("SIGKILL");
      await Promise.all([p1.stop(), p2.stop()]);
      opts.log?.(`kill ${kill}: acked ${acked[1].size} QoS 1, ${acked[2].size} QoS 2`);
      broker = await spawnBroker(config, Deno.env.get("KILL_DEBUG") !== undefined);
    }
    const report = await drain(url, acked);
    await broker.stop("SIGTERM");
    return { kills: opts.kills, ...report };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The subscriber comes back and takes everything; compares with what was acknowledged. */
async function drain(url: string, acked: Record<1 | 2, Set<string>>) {
  const got: Got[] = [];
  const { client } = await connectCollecting(url, persistent("durable-sub"), got);
  const want = acked[1].size + acked[2].size;
  const until = Date.now() + 20_000;
  let last = -1, stable = 0;
  while (Date.now() < until && stable < 5) { // until nothing new arrives for 500 ms
    await new Promise((r) => setTimeout(r, 100));
    stable = got.length === last && got.length >= want ? stable + 1 : 0;
    last = got.length;
  }
  const fresh = await connectCollecting(url, { clean: true }, got);
  await fresh.client.subscribeAsync("k/retained", { qos: 1 });
  await new Promise((r) => setTimeout(r, 200));
  await Promise.all(
    [client, fresh.client].map((c) =>
      new Promise<void>((r) => c.end(false, {}, () => setTimeout(r, 0)))
    ),
  );
  const seen = { 1: new Map<string, number>(), 2: new Map<string, number>() };
  for (const m of got) {
    const qos = m.topic.startsWith("k/1/") ? 1 : m.topic.startsWith("k/2/") ? 2 : 0;
    if (qos) seen[qos].set(m.payload, (seen[qos].get(m.payload) ?? 0) + 1);
  }
  const missing = [1, 2].flatMap((q) =>
    [...acked[q as 1 | 2]].filter((p) => !seen[q as 1 | 2].has(p))
  );
  const duplicated = [...seen[2]].filter(([, n]) => n > 1).map(([p]) => p);
  return {
    acked: { qos1: acked[1].size, qos2: acked[2].size },
    received: { qos1: seen[1].size, qos2: seen[2].size },
    missing,
    duplicated,
    retainedBack: got.some((m) => m.topic === "k/retained" && m.payload === "still here"),
  };
}
