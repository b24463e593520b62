// The routing test over a 3-server NATS cluster (routes between servers, JetStream clustered):
// each Aviary node talks to its own NATS server; messages cross by interest once per subscriber,
// in order at every QoS [MQTT-4.6.0-5]; a shared group spans the nodes, each message to one
// member (spec 4.8.2); a retained message set on node 1 reaches node 3 [MQTT-3.3.1-6]. With
// `cluster.replicas: 3` every bucket and stream has three copies, so with one NATS server
// stopped a session still moves between nodes with its messages [MQTT-4.1.0-1]. Hostile:
// `replicas` outside 1..5 or not an integer is refused at config time.
import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { ConfigError, parseConfig } from "../../server/config/mod.ts";
import { connectCollecting, type Got, persistent } from "../durability/_clients.ts";
import type { MqttClient } from "mqtt";
import {
  collect,
  connect,
  delay,
  end,
  startTestBroker,
  subscribe,
  type TestBroker,
  waitFor,
} from "../helpers.ts";
import { NATS_SERVER, startNatsCluster } from "./_nats.ts";

const STREAMS = [
  ...["sessions", "owners", "offline", "retained", "nodes", "plugins", "plugin_state"].map((b) =>
    `KV_c3_${b}`
  ),
  "c3_captured",
  "OBJ_c3_packages",
];

/** Until every stream of the cluster has a leader other than the server `gone`. */
async function leadersOn(url: string, gone: string): Promise<void> {
  const nc = await natsConnect({ servers: url });
  try {
    // The JetStream API itself may time out while the meta leader is elected anew: ask again.
    let jsm;
    for (let i = 0; !jsm; i++) {
      jsm = await jetstreamManager(nc).catch((err) => {
        if (i > 20) throw err;
        return delay(250).then(() => undefined);
      });
    }
    for (const name of STREAMS) {
      for (let i = 0;; i++) {
        const info = await jsm.streams.info(name).catch(() => undefined);
        const leader = info?.cluster?.leader;
        if (leader && leader !== gone) break;
        if (i > 150) throw new Error(`${name} has no leader after server ${gone} stopped`);
        await delay(100);
      }
    }
    // And each bucket takes a write again (the meta leader may have been elected anew too).
    const kvm = new Kvm(nc);
    for (const name of STREAMS.filter((n) => n.startsWith("KV_"))) {
      const kv = await kvm.open(name.slice(3));
      for (let i = 0;; i++) {
        const ok = await kv.put("probe", "1").then(() => true, () => false);
        if (ok) break;
        if (i > 50) throw new Error(`${name} takes no write after server ${gone} stopped`);
        await delay(200);
      }
      await kv.purge("probe");
    }
  } finally {
    await nc.close();
  }
}

async function subscriber(node: TestBroker, filters: string[], clientId?: string) {
  const client = await connect(node.url, clientId ? { clientId } : {});
  const got = collect(client);
  await subscribe(client, filters, { qos: 2 });
  return { client, got };
}

/** Until every node's NATS server knows every subscription (interest crosses the routes). */
async function settle(nodes: TestBroker[], probe: MqttClient, topic: string, seen: () => boolean) {
  await Promise.all(nodes.map((n) => n.cluster!.flush()));
  await waitFor(
    () => {
      probe.publish(topic, "probe", { qos: 0 });
      return seen();
    },
    "interest on every NATS server",
    10_000,
  );
}

Deno.test({
  name: "cluster over a 3-server NATS cluster: each node on its own NATS server",
  ignore: !NATS_SERVER,
  fn: async (t) => {
    const servers = await startNatsCluster(3);
    const nodes: TestBroker[] = [];
    const clients: MqttClient[] = [];
    try {
      for (const [i, s] of servers.entries()) {
        nodes.push(
          await startTestBroker(
            `cluster: {enable: true, node: k${
              i + 1
            }, subject_prefix: c3, replicas: 3, nats: {servers: ["${s.url}"]}}\n`,
          ),
        );
      }
      const pub = await connect(nodes[0].url);
      clients.push(pub);

      await t.step("QoS 0/1/2 from node 1 reach nodes 2 and 3 once each, in order", async () => {
        const subs = [await subscriber(nodes[1], ["t/#"]), await subscriber(nodes[2], ["t/#"])];
        clients.push(...subs.map((s) => s.client));
        const ready = () => subs.every((s) => s.got.some((m) => m.topic === "t/probe"));
        await settle(nodes, pub, "t/probe", ready);
        const sent = Array.from({ length: 30 }, (_, i) => `m${i}`);
        for (const [i, p] of sent.entries()) {
          await pub.publishAsync("t/a", p, { qos: (i % 3) as 0 | 1 | 2 });
        }
        for (const s of subs) {
          await waitFor(() => s.got.filter((m) => m.topic === "t/a").length >= 30, "30 messages");
          for (const qos of [0, 1, 2]) {
            const got = s.got.filter((m) => m.topic === "t/a" && m.packet.qos === qos);
            assert.deepEqual(got.map((m) => m.payload), sent.filter((_, i) => i % 3 === qos));
          }
        }
      });

      await t.step("a shared group across the nodes: each message once", async () => {
        const members = await Promise.all(
          nodes.map((n, i) => subscriber(n, ["$share/g/s/#"], `k-member-${i}`)),
        );
        clients.push(...members.map((m) => m.client));
        const total = () => members.reduce((n, m) => n + m.got.length, 0);
        await settle(nodes, pub, "s/probe", () => total() > 0);
        const sent = Array.from({ length: 60 }, (_, i) => `s${i}`);
        for (const p of sent) await pub.publishAsync("s/job", p, { qos: 1 });
        // Count jobs only: a late probe from settling must not stand in for a missing job.
        const jobsGot = () => members.flatMap((m) => m.got.filter((g) => g.topic === "s/job"));
        await waitFor(() => jobsGot().length >= 60, "60 deliveries");
        await delay(100); // a duplicate would arrive within this
        const jobs = jobsGot();
        assert.deepEqual(jobs.map((m) => m.payload).sort(), [...sent].sort());
      });

      await t.step("a retained message set on node 1 is received on node 3", async () => {
        await pub.publishAsync("r/3", "kept", { qos: 1, retain: true });
        await waitFor(() => nodes[2].broker.retained.get("r/3") !== undefined, "node 3's cache");
        const late = await subscriber(nodes[2], ["r/#"]);
        clients.push(late.client);
        await waitFor(() => late.got.length === 1, "the retained message");
        assert.equal(late.got[0].payload, "kept");
      });

      await t.step("/api/v1/cluster's list: every node, whichever server it uses", async () => {
        const listed = await nodes[2].cluster!.nodes();
        assert.deepEqual(listed.map((n) => n.node), ["k1", "k2", "k3"]);
      });

      await t.step("cluster.replicas 3: every bucket and stream has three copies", async () => {
        const nc = await natsConnect({ servers: servers[0].url });
        try {
          const jsm = await jetstreamManager(nc);
          for (const name of STREAMS) {
            const info = await jsm.streams.info(name);
            assert.equal(info.config.num_replicas, 3, name);
          }
          // Offline records and captured messages live no longer than the longest session.
          const week = 604_800 * 1e9; // mqtt.max_session_expiry's default, in nanoseconds
          for (const name of ["KV_c3_offline", "c3_captured"]) {
            assert.equal((await jsm.streams.info(name)).config.max_age, week, name);
          }
        } finally {
          await nc.close();
        }
      });

      await t.step("one NATS server stopped: a session moves from node 1 to node 2", async () => {
        await servers[2].stop(); // node 3's server; JetStream keeps a quorum of 2
        await leadersOn(servers[0].url, "s3");
        const slow = { connectTimeout: 20_000 }; // a JetStream request may wait out an election
        const away = await connect(nodes[0].url, { ...persistent("r3-away", 300), ...slow });
        await subscribe(away, "m/#", { qos: 1 });
        await end(away);
        for (const p of ["m1", "m2"]) await pub.publishAsync("m/x", p, { qos: 1 });
        const got: Got[] = [];
        const back = await connectCollecting(
          nodes[1].url,
          { ...persistent("r3-away", 300), ...slow },
          got,
        );
        clients.push(back.client);
        assert.equal(back.sessionPresent, true, "Session Present 1 [MQTT-3.2.2-3]");
        await waitFor(() => got.length >= 2, "the queued messages", 10_000);
        await delay(200);
        assert.deepEqual(got.map((m) => m.payload), ["m1", "m2"]);
      });
    } finally {
      await Promise.all(clients.map((c) => end(c)));
      await Promise.all(nodes.map((n) => n.close()));
      await Promise.all(servers.map((s) => s.dispose()));
    }
  },
});

Deno.test("cluster.replicas outside 1..5 or not an integer is refused with its path", () => {
  for (const bad of ["0", "6", "2.5", "-1"]) {
    assert.throws(
      () => parseConfig(`cluster: {enable: true, replicas: ${bad}}\n`, "(test)"),
      (e: unknown) => e instanceof ConfigError && e.path === "cluster.replicas",
      `replicas ${bad}`,
    );
  }
  assert.throws(
    () => parseConfig(`cluster: {enable: true, replicas: three}\n`, "(test)"),
    (e: unknown) => e instanceof ConfigError && e.path.startsWith("cluster.replicas"),
  );
  assert.equal(parseConfig("cluster: {enable: true}\n", "(test)").cluster.replicas, 1);
  assert.equal(parseConfig("cluster: {replicas: 5}\n", "(test)").cluster.replicas, 5);
});
