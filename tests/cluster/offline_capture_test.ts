// Offline capture: a durable session whose client is away and whose owner node died keeps its
// QoS 1/2 messages in JetStream until another node takes it over, which delivers each exactly
// once [MQTT-3.1.2-5] (messages for an offline session are stored; QoS 0 may be lost: spec
// 4.3.1), with Session Present 1 [MQTT-3.2.2-3]. Hostile parts: malformed records and captured
// frames written straight into NATS are refused without losing the real messages. Real
// nats-server, node 1 a real process killed with kill -9, MQTT.js, 127.0.0.1.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect as natsConnect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import type { MqttClient } from "mqtt";
import {
  connect,
  delay,
  end,
  startTestBroker,
  subscribe,
  type TestBroker,
  waitFor,
} from "../helpers.ts";
import { connectCollecting, type Got, persistent } from "../durability/_clients.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";
import { startNodeProcess } from "./_node_process.ts";

const node = (nats: string, prefix: string, name: string) =>
  startTestBroker(
    `cluster: {enable: true, node: ${name}, subject_prefix: ${prefix}, nats: {servers: ["${nats}"]}}\n`,
  );

const keyOf = (clientId: string) => "c" + Buffer.from(clientId).toString("base64url");

/** The offline session `id` on the process node `url`: subscribed to `filter`, then away. */
async function goAway(url: string, id: string, filter: string): Promise<void> {
  const client = await connect(url, persistent(id, 300));
  await subscribe(client, filter, { qos: 1 });
  await end(client);
}

async function withNats(
  prefix: string,
  fn: (d: { url: string; nc: NatsConnection; n2: TestBroker; n3: TestBroker }) => Promise<void>,
) {
  const nats = await startNats();
  const nc = await natsConnect({ servers: nats.url });
  const [n2, n3] = [await node(nats.url, prefix, "n2"), await node(nats.url, prefix, "n3")];
  try {
    await fn({ url: nats.url, nc, n2, n3 });
  } finally {
    await n2.close();
    await n3.close();
    await nc.close();
    await nats.dispose();
  }
}

Deno.test({
  name: "offline capture: owner killed, QoS 1/2 messages published meanwhile arrive once on node 3",
  ignore: !NATS_SERVER,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withNats("oc1", async ({ url, n2, n3 }) => {
      const p1 = await startNodeProcess("o1", "oc1", url);
      const clients: MqttClient[] = [];
      try {
        await goAway(p1.url, "sleeper", "o/#");
        await waitFor(() => n2.cluster!.offlineSessions === 1, "node 2 knows it is away", 5000);
        const pub = await connect(n2.url);
        clients.push(pub);
        // Node 1 is alive: it queues "before" (and mirrors it); the capture holds a copy too.
        await pub.publishAsync("o/x", "before", { qos: 1 });
        await delay(500);
        await p1.kill();
        await pub.publishAsync("o/x", "while-dead", { qos: 1 });
        await pub.publishAsync("o/zero", "qos0", { qos: 0 }); // may be lost (spec 4.3.1)
        await pub.publishAsync("o/x", "qos2-while-dead", { qos: 2 });

        const got: Got[] = [];
        const back = await connectCollecting(n3.url, persistent("sleeper", 300), got);
        clients.push(back.client);
        assert.equal(back.sessionPresent, true, "Session Present 1 [MQTT-3.2.2-3]");
        const qos1 = () => got.filter((m) => m.topic === "o/x").map((m) => m.payload);
        await waitFor(() => qos1().length >= 3, "the three QoS 1/2 messages", 10_000).catch((e) => {
          console.error(got, p1.log());
          throw e;
        });
        await delay(300); // a duplicate would arrive within this
        assert.deepEqual(qos1(), ["before", "while-dead", "qos2-while-dead"], "each exactly once");
        await waitFor(() => n2.cluster!.offlineSessions === 0, "the record removed", 5000);
        // Back online on node 3: a new message arrives once, through routing.
        await n3.cluster!.flush();
        await pub.publishAsync("o/x", "after", { qos: 1 });
        await waitFor(() => qos1().length >= 4, "a message after the takeover");
        await delay(200);
        assert.deepEqual(qos1().slice(3), ["after"]);
      } finally {
        await Promise.all(clients.map((c) => end(c, true)));
        await p1.kill();
        await p1.dispose();
      }
    }),
});

Deno.test({
  name: "offline capture: malformed records and captured frames are refused, real ones kept",
  ignore: !NATS_SERVER,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withNats("oc2", async ({ url, nc, n2, n3 }) => {
      const p1 = await startNodeProcess("h1", "oc2", url);
      const clients: MqttClient[] = [];
      try {
        const kv = await new Kvm(nc).open("oc2_offline");
        await kv.put(keyOf("junk-json"), "{not json");
        await kv.put(keyOf("junk-type"), JSON.stringify({ filters: "h/#" }));
        await goAway(p1.url, "hostile", "h/#");
        await waitFor(() => n2.cluster!.offlineSessions === 1, "only the real record", 5000);
        await p1.kill();
        // Garbage straight onto the session's capture subject: truncated, bad header, empty.
        for (
          const junk of [
            new Uint8Array([0, 0, 9]),
            new Uint8Array([0, 0, 0, 2, 123, 125]),
            new Uint8Array(),
          ]
        ) {
          nc.publish(`oc2.q.${keyOf("hostile")}`, junk);
        }
        const pub = await connect(n2.url);
        clients.push(pub);
        await pub.publishAsync("h/1", "real", { qos: 1 });
        const got: Got[] = [];
        const back = await connectCollecting(n3.url, persistent("hostile", 300), got);
        clients.push(back.client);
        await waitFor(() => got.length >= 1, "the real message", 10_000);
        await delay(300);
        assert.deepEqual(got.map((m) => m.payload), ["real"]);
      } finally {
        await Promise.all(clients.map((c) => end(c, true)));
        await p1.kill();
        await p1.dispose();
      }
    }),
});
