// Restarts in process (SQLite file in a temporary directory, real MQTT.js clients): a persistent
// session's subscriptions, its queued QoS 1/2 messages, retained messages and inbound QoS 2 ids
// survive a clean restart [MQTT-4.1.0-1]; expired sessions do not [MQTT-3.1.2-23].
import assert from "node:assert/strict";
import { collect, connect, end, startTestBroker, subscribe, waitFor } from "../helpers.ts";
import { connectCollecting, type Got, persistent } from "./_clients.ts";

async function withDataDir(fn: (yaml: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`persistence: {backend: sqlite, file: "${dir}/aviary.db"}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("restart: queued QoS 1/2 messages, subscriptions and retained messages come back", () =>
  withDataDir(async (yaml) => {
    let broker = await startTestBroker(yaml);
    const sub = await connect(broker.url, persistent("sub-1"));
    await subscribe(sub, ["d/#"], { qos: 2 });
    await end(sub);
    const pub = await connect(broker.url, { protocolVersion: 5 });
    for (let i = 0; i < 20; i++) await pub.publishAsync(`d/${i}`, `m${i}`, { qos: i % 2 ? 2 : 1 });
    await pub.publishAsync("r/1", "kept", { qos: 1, retain: true });
    await end(pub);
    await broker.close();

    broker = await startTestBroker(yaml);
    try {
      const got: Got[] = [];
      const { client: back } = await connectCollecting(broker.url, persistent("sub-1"), got);
      await waitFor(() => got.length === 20, "20 queued messages", 5000);
      // QoS 1 in order; MQTT.js reports QoS 2 messages at PUBREL, so compare as a set.
      const want = Array.from({ length: 20 }, (_, i) => `m${i}`);
      assert.deepEqual(got.map((m) => m.payload).sort(), want.sort());
      // The subscription is back too: a new message reaches it.
      const pub2 = await connect(broker.url);
      await pub2.publishAsync("d/new", "after restart", { qos: 1 });
      await waitFor(() => got.length === 21, "a message after the restart");
      const fresh = await connect(broker.url);
      const retained = collect(fresh);
      await subscribe(fresh, "r/#", { qos: 1 });
      await waitFor(() => retained.length === 1, "the retained message");
      assert.equal(retained[0].payload, "kept");
      await Promise.all([end(back), end(pub2), end(fresh)]);
    } finally {
      await broker.close();
    }
  }));

Deno.test("restart: an inbound QoS 2 id held before the restart is not delivered twice", () =>
  withDataDir(async (yaml) => {
    let broker = await startTestBroker(yaml);
    const watcher = await connect(broker.url, persistent("watcher"));
    await subscribe(watcher, "x", { qos: 1 });
    await end(watcher);
    const raw = await connect(broker.url, persistent("pub-2"));
    // Send PUBLISH QoS 2 and stop before PUBREL: the broker holds the packet id.
    const pubrec = new Promise<void>((resolve) =>
      raw.on("packetreceive", (p) => p.cmd === "pubrec" && resolve())
    );
    raw.publish("x", "once", { qos: 2 });
    await pubrec;
    await end(raw, true);
    await broker.close();

    broker = await startTestBroker(yaml);
    try {
      const got: Got[] = [];
      const { client: w } = await connectCollecting(broker.url, persistent("watcher"), got);
      await waitFor(() => got.length === 1, "the message");
      assert.equal(broker.broker.sessions.get("pub-2")?.inboundQos2.size, 1);
      await end(w);
    } finally {
      await broker.close();
    }
  }));

Deno.test("restart: a session that expired while the broker was down is gone", () =>
  withDataDir(async (yaml) => {
    let broker = await startTestBroker(yaml);
    const short = await connect(broker.url, {
      ...persistent("short"),
      properties: { sessionExpiryInterval: 1 },
    });
    await subscribe(short, "s", { qos: 1 });
    await end(short);
    await broker.close();
    await new Promise((r) => setTimeout(r, 1100));
    broker = await startTestBroker(yaml);
    try {
      assert.equal(broker.broker.sessions.get("short"), undefined);
      const again = await connect(
        broker.url,
        { ...persistent("short") },
        (connack) => assert.equal(connack.sessionPresent, false),
      );
      await end(again);
    } finally {
      await broker.close();
    }
  }));
