// Sessions across nodes: a client id connecting to node 2 while its session lives on node 1 takes
// it over — the old connection gets DISCONNECT 0x8E [MQTT-3.1.4-3], the new one CONNACK Session
// Present 1 [MQTT-3.2.2-3], its subscriptions, queued and in-flight QoS 1 messages (re-sent,
// [MQTT-4.4.0-1]) with it; and node 1 killed with kill -9: its clients reconnect to node 2 and
// resume with nothing acknowledged lost. Real nats-server, MQTT.js, 127.0.0.1.
import assert from "node:assert/strict";
import type { IClientOptions, MqttClient } from "mqtt";
import { Buffer } from "node:buffer";
import { connect as natsConnect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { connect, delay, end, startTestBroker, subscribe, waitFor } from "../helpers.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";
import { connectCollecting, type Got } from "../durability/_clients.ts";
import { startNodeProcess } from "./_node_process.ts";
import { rawSubscriber } from "./_raw_client.ts";

const node = (nats: string, prefix: string, name: string) =>
  startTestBroker(
    `cluster: {enable: true, node: ${name}, subject_prefix: ${prefix}, nats: {servers: ["${nats}"]}}\n`,
  );

const persistent = (clientId: string, more: IClientOptions = {}): IClientOptions => ({
  clientId,
  protocolVersion: 5,
  clean: false,
  properties: { sessionExpiryInterval: 300 },
  ...more,
});

/** Connects, collecting from the first message on; reports the CONNACK's Session Present. */
async function connectPresent(url: string, opts: IClientOptions) {
  const got: Got[] = [];
  const { client, sessionPresent: present } = await connectCollecting(url, opts, got);
  return { client, present, got };
}

Deno.test({
  name: "cluster sessions: live takeover from node 1 to node 2",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const [n1, n2] = [await node(nats.url, "s1", "n1"), await node(nats.url, "s1", "n2")];
    const clients: MqttClient[] = [];
    try {
      // The old connection takes one message in flight and never acknowledges it.
      const old = await rawSubscriber(n1.port, "mover", "q/#");
      await waitFor(() => old.packets.some((p) => p.cmd === "suback"), "SUBACK");
      const pub = await connect(n2.url);
      clients.push(pub);
      await Promise.all([n1.cluster!.flush(), n2.cluster!.flush()]);
      for (let i = 0; i < 5; i++) await pub.publishAsync("q/a", `m${i}`, { qos: 1 });
      await n1.cluster!.flush();
      await waitFor(() => n1.broker.sessions.get("mover")!.queue.length === 4, "4 queued on n1");

      const { client: moved, present, got } = await connectPresent(n2.url, persistent("mover"));
      clients.push(moved);
      assert.equal(present, true, "Session Present 1 [MQTT-3.2.2-3]");
      await waitFor(() => old.packets.some((p) => p.cmd === "disconnect"), "old DISCONNECT");
      const disconnect = old.packets.find((p) => p.cmd === "disconnect") as { reasonCode: number };
      assert.equal(disconnect.reasonCode, 0x8e, "Session taken over [MQTT-3.1.4-3]");
      old.close();
      await waitFor(() => got.length >= 5, "the in-flight and queued messages");
      assert.deepEqual(got.map((m) => m.payload), ["m0", "m1", "m2", "m3", "m4"]);
      assert.equal(got[0].dup, true, "the in-flight one re-sent with DUP [MQTT-4.4.0-1]");
      assert.equal(n1.broker.sessions.get("mover"), undefined, "node 1 no longer holds it");
      // Its subscription now lives on node 2: a message published on node 1 arrives once.
      await n2.cluster!.flush();
      const pub1 = await connect(n1.url);
      clients.push(pub1);
      await pub1.publishAsync("q/b", "after", { qos: 1 });
      await waitFor(() => got.length >= 6, "a message after the takeover");
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got.map((m) => m.payload).slice(5), ["after"]);
    } finally {
      await Promise.all(clients.map((c) => end(c, true)));
      await n1.close();
      await n2.close();
      await nats.dispose();
    }
  },
});

Deno.test({
  name: "cluster sessions: node 1 killed with kill -9, its clients resume on node 2",
  ignore: !NATS_SERVER,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await startNats();
    const p1 = await startNodeProcess("k1", "s2", nats.url);
    const p2 = await startNodeProcess("k2", "s2", nats.url);
    const clients: MqttClient[] = [];
    try {
      // An offline subscriber and a connected one that acknowledges nothing, both on node 1.
      const away = await connect(p1.url, persistent("away"));
      await subscribe(away, "k/#", { qos: 1 });
      await end(away);
      const stuck = await rawSubscriber(p1.port, "stuck", "k/#");
      await waitFor(() => stuck.packets.some((p) => p.cmd === "suback"), "SUBACK");
      const pub = await connect(p1.url);
      clients.push(pub);
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        await pub.publishAsync("k/x", `m${i}`, { qos: 1 }); // PUBACK received: acknowledged
        sent.push(`m${i}`);
      }
      await p1.kill();
      stuck.close();
      await Promise.all(clients.map((c) => end(c, true)));
      clients.length = 0;

      for (const id of ["away", "stuck"]) {
        const { client, present, got } = await connectPresent(p2.url, persistent(id));
        clients.push(client);
        assert.equal(present, true, `${id}: Session Present 1`);
        await waitFor(() => got.length >= sent.length, `${id}: every acknowledged message`, 10_000)
          .catch((e) => {
            console.error(got.map((m) => m.payload), p2.log());
            throw e;
          });
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(got.map((m) => m.payload), sent, `${id}: nothing lost, nothing twice`);
      }
    } finally {
      await Promise.all(clients.map((c) => end(c, true)));
      await p1.kill();
      await p2.kill();
      await p1.dispose();
      await p2.dispose();
      await nats.dispose();
    }
  },
});

/** The owner record of `clientId` in `<prefix>_owners` (undefined: none, or deleted). */
async function ownerOf(natsUrl: string, prefix: string, clientId: string) {
  const nc = await natsConnect({ servers: natsUrl });
  try {
    const kv = await new Kvm(nc).open(`${prefix}_owners`);
    const entry = await kv.get("c" + Buffer.from(clientId).toString("base64url"));
    return entry?.operation === "PUT" ? entry.json<{ node: string }>() : undefined;
  } finally {
    await nc.close();
  }
}

Deno.test({
  name:
    "cluster sessions: two nodes racing for one client id: one serves it, owner revision-checked",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const nodes = [await node(nats.url, "s3", "r1"), await node(nats.url, "s3", "r2")];
    const clients: MqttClient[] = [];
    try {
      for (let round = 0; round < 4; round++) {
        const id = `racer-${round}`;
        // Both CONNECTs at once: each node reads "no owner" and tries to create the record.
        const both = await Promise.all(
          nodes.map((n) => connectPresent(n.url, persistent(id, { reconnectPeriod: 0 }))),
        );
        clients.push(...both.map((b) => b.client));
        await waitFor(
          () => both.filter((b) => b.client.connected).length === 1,
          `${id}: one connection left [MQTT-3.1.4-3]`,
          5000,
        );
        const winner = both.findIndex((b) => b.client.connected);
        await delay(200); // a late takeover would show here
        assert.equal(both.filter((b) => b.client.connected).length, 1, `${id}: still one`);
        const holders = nodes.filter((n) => n.broker.sessions.get(id) !== undefined);
        assert.deepEqual(holders, [nodes[winner]], `${id}: one node holds the session`);
        assert.equal((await ownerOf(nats.url, "s3", id))?.node, `r${winner + 1}`, `${id}: owner`);
      }
    } finally {
      await Promise.all(clients.map((c) => end(c, true)));
      await Promise.all(nodes.map((n) => n.close()));
      await nats.dispose();
    }
  },
});

Deno.test({
  name: "cluster sessions: the owner record is deleted when a session ends [MQTT-3.1.2-4]",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const n1 = await node(nats.url, "s4", "e1");
    try {
      const clean = await connect(n1.url, { clientId: "brief", clean: true });
      assert.equal((await ownerOf(nats.url, "s4", "brief"))?.node, "e1", "recorded on CONNECT");
      await end(clean);
      await waitFor(() => n1.broker.sessions.get("brief") === undefined, "session ended");
      await delay(100);
      assert.equal(await ownerOf(nats.url, "s4", "brief"), undefined, "clean session: deleted");

      // A persistent session stays owned while away, and goes when a clean start ends it.
      const kept = await connect(n1.url, persistent("kept"));
      await end(kept);
      await delay(100);
      assert.equal((await ownerOf(nats.url, "s4", "kept"))?.node, "e1", "away: still owned");
      const fresh = await connect(n1.url, { ...persistent("kept"), clean: true, properties: {} });
      await end(fresh);
      await waitFor(() => n1.broker.sessions.get("kept") === undefined, "session ended");
      await delay(100);
      assert.equal(await ownerOf(nats.url, "s4", "kept"), undefined, "ended: deleted");
      // A deleted record is claimed again (an update over the deletion marker).
      const again = await connect(n1.url, { clientId: "brief", clean: true });
      assert.equal((await ownerOf(nats.url, "s4", "brief"))?.node, "e1", "recorded again");
      await end(again);
    } finally {
      await n1.close();
      await nats.dispose();
    }
  },
});

Deno.test({
  name: "cluster sessions: two nodes racing for a session held by a third: nothing queued is lost",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const nodes = [
      await node(nats.url, "s5", "q1"),
      await node(nats.url, "s5", "q2"),
      await node(nats.url, "s5", "q3"),
    ];
    const clients: MqttClient[] = [];
    try {
      const pub = await connect(nodes[0].url);
      clients.push(pub);
      for (let round = 0; round < 3; round++) {
        const id = `held-${round}`;
        const away = await connect(nodes[0].url, persistent(id));
        await subscribe(away, `h${round}/#`, { qos: 1 });
        await end(away);
        const sent = ["a", "b", "c"].map((p) => `${p}${round}`);
        for (const p of sent) await pub.publishAsync(`h${round}/x`, p, { qos: 1 });
        await waitFor(() => nodes[0].broker.sessions.get(id)?.queue.length === 3, "3 queued");
        const both = await Promise.all(
          nodes.slice(1).map((n) => connectPresent(n.url, persistent(id, { reconnectPeriod: 0 }))),
        );
        clients.push(...both.map((b) => b.client));
        await waitFor(() => both.filter((b) => b.client.connected).length === 1, "one left", 5000);
        const survivor = both.find((b) => b.client.connected)!;
        await waitFor(() => survivor.got.length >= 3, `${id}: the queued messages`, 5000);
        await delay(200);
        assert.deepEqual(survivor.got.map((m) => m.payload), sent, `${id}: each once`);
      }
    } finally {
      await Promise.all(clients.map((c) => end(c, true)));
      await Promise.all(nodes.map((n) => n.close()));
      await nats.dispose();
    }
  },
});
