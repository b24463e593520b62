// Three Aviary nodes on one NATS JetStream server (127.0.0.1), real MQTT.js clients and
// mosquitto_sub: messages cross nodes by interest, once per subscriber, in order, at every QoS
// [MQTT-4.6.0-5]; a shared group spans nodes, each message to one member [MQTT-4.8.2-?]
// (spec 4.8.2); a retained message set on one node is received on another [MQTT-3.3.1-6].
import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import {
  collect,
  connect,
  end,
  startTestBroker,
  subscribe,
  type TestBroker,
  waitFor,
} from "../helpers.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";

type Got = ReturnType<typeof collect>;

async function cluster(natsUrl: string, prefix: string, n: number): Promise<TestBroker[]> {
  const nodes: TestBroker[] = [];
  for (let i = 1; i <= n; i++) {
    nodes.push(
      await startTestBroker(
        `cluster: {enable: true, node: n${i}, subject_prefix: ${prefix}, nats: {servers: ["${natsUrl}"]}}\n`,
      ),
    );
  }
  return nodes;
}

/** Waits until every node's NATS subscriptions are in place. */
const settle = (nodes: TestBroker[]) => Promise.all(nodes.map((b) => b.cluster!.flush()));

async function subscriber(node: TestBroker, filters: string[], qos: 0 | 1 | 2, clientId?: string) {
  const client = await connect(node.url, clientId ? { clientId } : {});
  const got = collect(client);
  await subscribe(client, filters, { qos });
  return { client, got };
}

const payloads = (got: Got, topic?: string) =>
  got.filter((m) => topic === undefined || m.topic === topic).map((m) => m.payload);

Deno.test({
  name: "cluster of three nodes over NATS JetStream",
  ignore: !NATS_SERVER,
  fn: async (t) => {
    const nats = await startNats();
    const nodes = await cluster(nats.url, "c1", 3);
    const clients: MqttClient[] = [];
    try {
      await t.step("QoS 0/1/2 from node 1 reach nodes 2 and 3 once each, in order", async () => {
        const local = await subscriber(nodes[0], ["t/#"], 2);
        const s2 = await subscriber(nodes[1], ["t/#"], 2);
        // overlapping filters on one node: NATS sends two copies, the node delivers one
        const s3 = await subscriber(nodes[2], ["t/+/x", "t/#"], 2);
        const pub = await connect(nodes[0].url);
        clients.push(local.client, s2.client, s3.client, pub);
        await settle(nodes);
        const sent: string[] = [];
        for (let i = 0; i < 30; i++) {
          const qos = (i % 3) as 0 | 1 | 2;
          sent.push(`m${i}`);
          await pub.publishAsync("t/a/x", `m${i}`, { qos });
        }
        for (const s of [local, s2, s3]) {
          await waitFor(() => s.got.length >= 30, "30 messages");
        }
        await settle(nodes);
        for (const s of [local, s2, s3]) {
          // none lost, none twice, in order per QoS (MQTT.js reports QoS 2 after PUBREL)
          for (const qos of [0, 1, 2]) {
            const mine = sent.filter((_, i) => i % 3 === qos);
            assert.deepEqual(payloads(s.got.filter((m) => m.packet.qos === qos)), mine);
          }
          assert.equal(s.got.length, 30);
        }
      });

      await t.step("mosquitto_sub on node 3 gets what MQTT.js publishes on node 1", async () => {
        const before = nodes[2].broker.subscriptions.size;
        const child = new Deno.Command("mosquitto_sub", {
          args: [
            "-h",
            "127.0.0.1",
            "-p",
            String(nodes[2].port),
            "-t",
            "m/#",
            "-q",
            "1",
            "-C",
            "3",
            "-v",
          ],
          stdout: "piped",
          stderr: "null",
        }).spawn();
        await waitFor(
          () => nodes[2].broker.subscriptions.size > before,
          "mosquitto_sub's subscription",
        );
        await settle(nodes);
        const pub = await connect(nodes[0].url);
        clients.push(pub);
        for (const i of [1, 2, 3]) await pub.publishAsync(`m/${i}`, `v${i}`, { qos: 1 });
        const out = new TextDecoder().decode((await child.output()).stdout);
        assert.deepEqual(out.trim().split("\n"), ["m/1 v1", "m/2 v2", "m/3 v3"]);
      });

      await t.step(
        "a shared group across the nodes splits the load, each message once",
        async () => {
          const members = await Promise.all(
            nodes.map((node, i) => subscriber(node, ["$share/g/s/#"], 1, `member-${i}`)),
          );
          const plain = await subscriber(nodes[1], ["s/#"], 1);
          const pub = await connect(nodes[0].url);
          clients.push(...members.map((m) => m.client), plain.client, pub);
          await settle(nodes);
          const sent = Array.from({ length: 60 }, (_, i) => `s${i}`);
          for (const p of sent) await pub.publishAsync("s/job", p, { qos: 1 });
          const total = () => members.reduce((n, m) => n + m.got.length, 0);
          await waitFor(() => total() >= 60 && plain.got.length >= 60, "60 shared deliveries");
          await settle(nodes);
          const all = members.flatMap((m) => payloads(m.got));
          assert.deepEqual([...all].sort(), [...sent].sort()); // each once, cluster-wide
          for (const m of members) assert.ok(m.got.length > 0, "every node's member gets some");
          assert.deepEqual(payloads(plain.got), sent); // ordinary subscribers still get all
        },
      );

      await t.step("a retained message set on node 1 is received on node 3", async () => {
        const pub = await connect(nodes[0].url);
        clients.push(pub);
        await pub.publishAsync("r/1", "kept", { qos: 1, retain: true });
        await waitFor(() => nodes[2].broker.retained.get("r/1") !== undefined, "node 3's cache");
        const late = await subscriber(nodes[2], ["r/#"], 1);
        clients.push(late.client);
        await waitFor(() => late.got.length === 1, "the retained message");
        assert.equal(late.got[0].payload, "kept");
        assert.equal(late.got[0].packet.retain, true);
        // cleared on node 2: gone everywhere
        const other = await connect(nodes[1].url);
        clients.push(other);
        await other.publishAsync("r/1", "", { qos: 1, retain: true });
        await waitFor(
          () => nodes.every((n) => n.broker.retained.get("r/1") === undefined),
          "the clear on every node",
        );
      });

      await t.step("/api/v1/cluster's list: every node", async () => {
        const listed = await nodes[0].cluster!.nodes();
        assert.deepEqual(listed.map((n) => n.node), ["n1", "n2", "n3"]);
      });
    } finally {
      await Promise.all(clients.map((c) => end(c)));
      await Promise.all(nodes.map((n) => n.close()));
      await nats.dispose();
    }
  },
});

Deno.test("without cluster: no NATS connection, no cluster", async () => {
  const alone = await startTestBroker();
  try {
    assert.equal(alone.cluster, undefined);
    assert.equal(alone.broker.remote, undefined);
  } finally {
    await alone.close();
  }
});
