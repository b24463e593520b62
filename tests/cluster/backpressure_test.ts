// Flow control across nodes: a QoS 1 publisher on node A and a slow subscriber on node B whose
// queue fills. B asks A to slow down for the topic; A holds the publisher (no PUBACK, its socket
// not read) as it would for a full local queue, so B drops nothing a publisher had acknowledged
// [MQTT-4.3.2-4] [MQTT-3.3.4-7]. Hostile: malformed slow-down requests change nothing.
import assert from "node:assert/strict";
import type { IPublishPacket } from "mqtt-packet";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect, end, startTestBroker, type TestBroker } from "../helpers.ts";
import { rawConnect } from "../conformance/_raw.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";

const COUNT = 300;

function node(name: string, natsUrl: string, extra = ""): Promise<TestBroker> {
  return startTestBroker(
    `${extra}cluster: {enable: true, node: ${name}, subject_prefix: bp, nats: {servers: ["${natsUrl}"]}}\n`,
  );
}

Deno.test({
  name: "cluster: a slow subscriber on node B holds a QoS 1 publisher on node A; nothing dropped",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const a = await node("a", nats.url);
    // One in flight to the subscriber and 40 queued: a publisher 10 ahead would overrun it.
    const b = await node("b", nats.url, "mqtt: {max_inflight: 1, max_queued_messages: 40}\n");
    const { client: sub } = await rawConnect(b.port, { clientId: "slow-sub" });
    const pub = await connect(a.url, { protocolVersion: 5 });
    const noise = await natsConnect({ servers: nats.url });
    try {
      await sub.send({
        cmd: "subscribe",
        messageId: 1,
        subscriptions: [{ topic: "bp/t", qos: 1 }],
      });
      await sub.next("suback");
      await b.cluster!.flush();
      await a.cluster!.flush();
      // Hostile slow-down requests to node A: not UTF-8, a filter, empty. Nothing breaks.
      for (const bad of [new Uint8Array([0xff, 0xfe]), "bp/#", ""]) {
        noise.publish(`bp.bp.${a.cluster!.node}`, bad);
      }
      // The publisher keeps 10 QoS 1 messages in flight; the subscriber reads nothing for 1 s.
      let next = 1;
      const sending = (async () => {
        const window = new Set<Promise<unknown>>();
        for (; next <= COUNT; next++) {
          const p = pub.publishAsync("bp/t", String(next), { qos: 1 });
          window.add(p);
          p.finally(() => window.delete(p));
          if (window.size >= 10) await Promise.race(window);
        }
        await Promise.all(window);
      })();
      await new Promise((r) => setTimeout(r, 1000));
      const got: string[] = [];
      while (got.length < COUNT) {
        const p = await sub.next<IPublishPacket>("publish", 10_000).catch((e) => {
          const dropped = b.broker.stats.deliveryDropped;
          throw new Error(`${e.message}: ${got.length} received, ${dropped} dropped on node B`);
        });
        got.push(p.payload.toString());
        await sub.send({ cmd: "puback", messageId: p.messageId });
      }
      await sending;
      assert.deepEqual(got, Array.from({ length: COUNT }, (_, i) => String(i + 1)));
      assert.equal(b.broker.stats.deliveryDropped, 0, "node B dropped an acknowledged message");
    } finally {
      await noise.close();
      await end(pub);
      await sub.close();
      await a.close();
      await b.close();
      await nats.stop();
    }
  },
});
