// Offline capture across a restart: a node killed with kill -9 while one of its durable sessions
// is offline comes back on its SQLite store; the QoS 1 message published on another node while it
// was down is appended to the session, and the client receives everything once, with Session
// Present 1 [MQTT-3.2.2-3] [MQTT-4.1.0-1]. Real nats-server, a real node process, MQTT.js.
import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { connect, delay, end, startTestBroker, subscribe, waitFor } from "../helpers.ts";
import { connectCollecting, type Got, persistent } from "../durability/_clients.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";
import { startNodeProcess } from "./_node_process.ts";

Deno.test({
  name: "offline capture: a node restarted on its store gets what was published while it was down",
  ignore: !NATS_SERVER,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await startNats();
    const n2 = await startTestBroker(
      `cluster: {enable: true, node: w2, subject_prefix: rs, nats: {servers: ["${nats.url}"]}}\n`,
    );
    const p1 = await startNodeProcess("w1", "rs", nats.url);
    const clients: MqttClient[] = [];
    try {
      const away = await connect(p1.url, persistent("napper", 300));
      await subscribe(away, "r/#", { qos: 1 });
      await end(away);
      await waitFor(() => n2.cluster!.offlineSessions === 1, "node 2 knows it is away", 5000);
      const pub = await connect(n2.url);
      clients.push(pub);
      await pub.publishAsync("r/x", "before", { qos: 1 }); // queued on node 1 and captured
      await delay(500);
      await p1.kill();
      await pub.publishAsync("r/x", "while-down", { qos: 1 }); // captured only
      await p1.start();

      const got: Got[] = [];
      const back = await connectCollecting(p1.url, persistent("napper", 300), got);
      clients.push(back.client);
      assert.equal(back.sessionPresent, true, "Session Present 1 [MQTT-3.2.2-3]");
      await waitFor(() => got.length >= 2, "both messages", 10_000).catch((e) => {
        console.error(got, p1.log());
        throw e;
      });
      await delay(300); // a duplicate would arrive within this
      assert.deepEqual(got.map((m) => m.payload), ["before", "while-down"], "each once");
    } finally {
      await Promise.all(clients.map((c) => end(c, true)));
      await p1.kill();
      await p1.dispose();
      await n2.close();
      await nats.dispose();
    }
  },
});
