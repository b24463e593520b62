/**
 * Flow control between a fast QoS 1 publisher and a subscriber whose queue is full: the broker
 * holds the PUBLISH (no PUBACK, the publisher's socket not read) until the queue has room, instead
 * of acknowledging it and dropping it at the subscriber. A subscriber that is gone or stuck holds
 * no one: past its patience its queue drops and counts, as Mosquitto and EMQX do.
 */
import assert from "node:assert/strict";
import type { IPublishPacket } from "mqtt-packet";
import { CONGESTION_PATIENCE_MS } from "../../broker/session/session.ts";
import { delay, startTestBroker } from "../helpers.ts";
import { type RawClient, rawConnect } from "./_raw.ts";
import { uniqueId, withBroker, withFakeTime } from "./_util.ts";

/** One message in flight to each subscriber, three queued. */
const TIGHT = "mqtt: {max_inflight: 1, max_queued_messages: 3}\n";

async function subscriber(port: number, filter: string): Promise<RawClient> {
  const { client } = await rawConnect(port, { clientId: uniqueId("sub") });
  await client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
  await client.next("suback");
  return client;
}

async function publishAll(client: RawClient, topic: string, count: number, qos: 1 | 2 = 1) {
  for (let id = 1; id <= count; id++) {
    const payload = String(id);
    await client.send({
      cmd: "publish",
      topic,
      payload,
      qos,
      messageId: id,
      retain: false,
      dup: false,
    });
  }
}

/** Packet ids of the PUBACKs (or PUBRECs) `client` received within `ms` of quiet. */
async function pubacks(client: RawClient, ms = 300, cmd: "puback" | "pubrec" = "puback") {
  const ids: number[] = [];
  while (true) {
    try {
      ids.push((await client.next(cmd, ms)).messageId!);
    } catch {
      return ids;
    }
  }
}

Deno.test("a QoS 1 PUBLISH a full subscriber queue cannot take is not PUBACKed until there is room, and none is lost [MQTT-4.3.2-4] [MQTT-3.3.4-7]", async () => {
  await withBroker(TIGHT, async ({ port, broker }) => {
    const sub = await subscriber(port, "fc/#");
    const { client: pub } = await rawConnect(port, {
      protocolVersion: 5,
      clientId: uniqueId("pub"),
    });
    await publishAll(pub, "fc/a", 10);
    // 1 in flight to the subscriber, 3 queued: only those 4 are owned by the broker so far.
    assert.deepEqual(await pubacks(pub), [1, 2, 3, 4]);
    const got: string[] = [];
    while (got.length < 10) {
      const p = await sub.next<IPublishPacket>("publish");
      got.push(p.payload.toString());
      await sub.send({ cmd: "puback", messageId: p.messageId });
    }
    assert.deepEqual(got, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    assert.deepEqual(await pubacks(pub), [5, 6, 7, 8, 9, 10]);
    assert.equal(broker.stats.deliveryDropped, 0);
    await Promise.all([sub.close(), pub.close()]);
  });
});

Deno.test("many publishers held by one full queue are all delivered, each in order, none twice", async () => {
  await withBroker(TIGHT, async ({ port, broker }) => {
    const sub = await subscriber(port, "fc/#");
    const pubs = await Promise.all(
      Array.from({ length: 8 }, () => rawConnect(port, { clientId: uniqueId("pub") })),
    );
    await Promise.all(pubs.map(({ client }, i) => publishAll(client, `fc/${i}`, 5)));
    const last = new Map<string, number>();
    for (let n = 0; n < 40; n++) {
      const p = await sub.next<IPublishPacket>("publish");
      const seq = Number(p.payload.toString());
      assert.equal(seq, (last.get(p.topic) ?? 0) + 1, `${p.topic} in order, once each`);
      last.set(p.topic, seq);
      await sub.send({ cmd: "puback", messageId: p.messageId });
    }
    assert.equal(broker.stats.deliveryDropped, 0);
    for (const { client } of pubs) assert.equal((await pubacks(client)).length, 5);
    await Promise.all([sub.close(), ...pubs.map(({ client }) => client.close())]);
  });
});

Deno.test("a publisher is released when the subscriber that held it disconnects", async () => {
  await withBroker(TIGHT, async ({ port }) => {
    const sub = await subscriber(port, "fc/#");
    const { client: pub } = await rawConnect(port, { clientId: uniqueId("pub") });
    await publishAll(pub, "fc/a", 6);
    assert.deepEqual(await pubacks(pub), [1, 2, 3, 4]);
    await sub.close(); // clean session: it ends, and holds no one
    assert.deepEqual(await pubacks(pub, 2500), [5, 6]);
    await pub.close();
  });
});

Deno.test("a publisher is not held by its own full queue (it could not acknowledge while held)", async () => {
  await withBroker(TIGHT, async ({ port, broker }) => {
    const self = await subscriber(port, "fc/#");
    await publishAll(self, "fc/self", 6);
    assert.deepEqual(await pubacks(self), [1, 2, 3, 4, 5, 6]);
    assert.equal(broker.stats.deliveryDropped, 2, "its queue overflows and counts");
    await self.close();
  });
});

Deno.test("a subscriber whose full queue does not move for the patience stops holding publishers; its drops are counted", async () => {
  await withFakeTime(TIGHT, async ({ port, broker }, clock) => {
    const sub = await subscriber(port, "fc/#");
    const { client: pub } = await rawConnect(port, { clientId: uniqueId("pub") });
    await publishAll(pub, "fc/a", 10);
    assert.deepEqual(await pubacks(pub), [1, 2, 3, 4]);
    for (let t = 0; t <= CONGESTION_PATIENCE_MS; t += 1000) {
      clock.advance(1000); // each held PUBLISH looks again once a second
      await delay(50);
    }
    assert.deepEqual(await pubacks(pub), [5, 6, 7, 8, 9, 10]);
    assert.equal(broker.stats.deliveryDropped, 6);
    await Promise.all([sub.close(), pub.close()]);
  });
});

Deno.test("broker shutdown is not delayed by publishers it holds", async () => {
  const broker = await startTestBroker(TIGHT);
  const sub = await subscriber(broker.port, "fc/#");
  const { client: pub } = await rawConnect(broker.port, { clientId: uniqueId("pub") });
  await publishAll(pub, "fc/a", 6);
  assert.deepEqual(await pubacks(pub), [1, 2, 3, 4]);
  const started = performance.now();
  await broker.close();
  const ms = performance.now() - started;
  assert.ok(ms < 900, `closed in ${Math.round(ms)} ms, before a held PUBLISH would look again`);
  await Promise.all([sub.close(), pub.close()]);
});

Deno.test("a QoS 2 PUBLISH a full queue cannot take gets no PUBREC until there is room [MQTT-4.3.3-8]", async () => {
  await withBroker(TIGHT, async ({ port, broker }) => {
    const sub = await subscriber(port, "fc/#");
    const { client: pub } = await rawConnect(port, {
      protocolVersion: 5,
      clientId: uniqueId("pub"),
    });
    await publishAll(pub, "fc/a", 6, 2);
    assert.deepEqual(await pubacks(pub, 300, "pubrec"), [1, 2, 3, 4]);
    for (let n = 1; n <= 6; n++) {
      const p = await sub.next<IPublishPacket>("publish");
      assert.equal(p.payload.toString(), String(n));
      await sub.send({ cmd: "puback", messageId: p.messageId });
    }
    assert.deepEqual(await pubacks(pub, 300, "pubrec"), [5, 6]);
    assert.equal(broker.stats.deliveryDropped, 0);
    await Promise.all([sub.close(), pub.close()]);
  });
});
