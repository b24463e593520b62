// message.puback (EMQX's hookpoint): the broker's PUBACK / PUBREC to a publisher, reported with
// the publisher, packet id, topic, QoS and the reason code, to a caged plugin.
import assert from "node:assert/strict";
import { collect, connect, end, startTestBroker, waitFor } from "../helpers.ts";

const source = new URL("../conformance/_plugins/puback_log.ts", import.meta.url).href;

Deno.test("message.puback: a publisher's PUBACK and PUBREC are reported with packet id, topic and reason code (0, 0x10 no subscribers) (MQTT.js, caged plugin)", async () => {
  const broker = await startTestBroker(`plugins:\n  pubacks: {source: "${source}"}\n`);
  const log = await connect(broker.url, { protocolVersion: 5, clientId: "log" });
  const sub = await connect(broker.url, { protocolVersion: 5, clientId: "sub" });
  const pub = await connect(broker.url, { protocolVersion: 5, clientId: "pub" });
  const old = await connect(broker.url, { protocolVersion: 4, clientId: "old" });
  try {
    await log.subscribeAsync("log/puback", { qos: 0 });
    await sub.subscribeAsync("t/#", { qos: 2 });
    const events = collect(log);
    const acks = [
      await pub.publishAsync("t/one", "1", { qos: 1 }),
      await pub.publishAsync("nobody/here", "2", { qos: 1 }),
      await pub.publishAsync("t/two", "3", { qos: 2 }),
    ];
    await old.publishAsync("nobody/either", "4", { qos: 1 });
    await waitFor(() => events.length >= 4, "four message.puback events");
    const got = events.map((m) => JSON.parse(m.payload));
    assert.deepEqual(got.map(({ packetId: _, ...e }) => e), [
      { clientId: "pub", topic: "t/one", qos: 1, packet: "puback", reasonCode: 0 },
      { clientId: "pub", topic: "nobody/here", qos: 1, packet: "puback", reasonCode: 0x10 },
      { clientId: "pub", topic: "t/two", qos: 2, packet: "pubrec", reasonCode: 0 },
      { clientId: "old", topic: "nobody/either", qos: 1, packet: "puback", reasonCode: 0x10 },
    ]);
    assert.deepEqual(got.slice(0, 3).map((e) => e.packetId), acks.map((a) => a?.messageId));
  } finally {
    for (const c of [log, sub, pub, old]) await end(c);
    await broker.close();
  }
});
