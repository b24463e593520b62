import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect, end, nextMessage, subscribe, waitFor } from "../helpers.ts";
import { SLOW_CONSUMER_BYTES } from "../../broker/session/delivery.ts";
import { rawConnect } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

const MESSAGE = Buffer.alloc(32 * 1024, 0x61);
const COUNT = 640; // 20 MiB in all

Deno.test("A subscriber that never reads does not grow broker memory: QoS 0 dropped, publisher unaffected", async () => {
  await withBroker("", async ({ port, url, broker }) => {
    const clientId = uniqueId("slow");
    const { client: slow } = await rawConnect(port, { clientId, read: false });
    await slow.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "flood/t", qos: 0 }],
    });
    await waitFor(() => broker.subscriptions.size === 1, "the slow subscription");
    const watcher = await connect(url);
    await subscribe(watcher, "flood/done", { qos: 1 });
    const pub = await connect(url);
    const started = Date.now();
    let peak = 0;
    for (let i = 0; i < COUNT; i++) {
      await pub.publishAsync("flood/t", MESSAGE, { qos: 0 });
      peak = Math.max(peak, broker.clients.get(clientId)?.backlogBytes ?? 0);
    }
    const done = nextMessage(watcher, 10_000);
    await pub.publishAsync("flood/done", "done", { qos: 1 });
    assert.equal((await done).payload, "done", "the publisher still works");
    assert.ok(broker.stats.deliveryDropped > 0, "some QoS 0 messages were dropped");
    assert.ok(
      peak <= SLOW_CONSUMER_BYTES + 2 * MESSAGE.length,
      `backlog peaked at ${peak} bytes`,
    );
    assert.ok(Date.now() - started < 20_000, "the flood took too long");
    await slow.close();
    await end(pub);
    await end(watcher);
  });
});

Deno.test("A fast QoS 1 publisher is paced to a slower subscriber instead of overflowing its queue: nothing lost", async () => {
  await withBroker("mqtt: {max_queued_messages: 20, max_inflight: 5}", async ({ url, broker }) => {
    const sub = await connect(url, { clientId: uniqueId("sub") });
    const got = new Set<string>();
    sub.on("message", (_t, payload) => got.add(payload.toString()));
    await subscribe(sub, "paced/t", { qos: 1 });
    const pub = await connect(url);
    const total = 2000;
    // All in flight at once: far more than the subscriber's window (5) plus its queue (20).
    await Promise.all(
      Array.from({ length: total }, (_, i) => pub.publishAsync("paced/t", String(i), { qos: 1 })),
    );
    await waitFor(() => got.size === total, `all ${total} messages (got ${got.size})`, 20_000);
    assert.equal(broker.stats.deliveryDropped, 0);
    await end(pub);
    await end(sub);
  });
});
