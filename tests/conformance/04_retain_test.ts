import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { collect, connect, end, subscribe, waitFor } from "../helpers.ts";
import { withBroker, withFakeTime } from "./_util.ts";

type Got = ReturnType<typeof collect>;

/** Publishes a marker on `topic` and waits for it, so that anything sent before has arrived. */
async function settle(pub: MqttClient, got: Got, topic: string): Promise<void> {
  await pub.publishAsync(topic, "marker", { qos: 1 });
  await waitFor(() => got.some((m) => m.payload === "marker"), `the marker on ${topic}`);
}

Deno.test("A retained message goes to a new subscriber with RETAIN set [MQTT-3.3.1-6] [MQTT-3.3.1-8]", async () => {
  await withBroker("", async ({ url }) => {
    const pub = await connect(url);
    await pub.publishAsync("r/a", "kept", { qos: 1, retain: true });
    const sub = await connect(url);
    const got = collect(sub);
    await subscribe(sub, "r/+", { qos: 1 });
    await waitFor(() => got.length === 1, "the retained message");
    assert.equal(got[0].payload, "kept");
    assert.equal(got[0].packet.retain, true);
    await end(sub);
    await end(pub);
  });
});

Deno.test("A new retained message replaces the previous one [MQTT-3.3.1-5]", async () => {
  await withBroker("", async ({ url, broker }) => {
    const pub = await connect(url);
    await pub.publishAsync("r/a", "first", { qos: 1, retain: true });
    await pub.publishAsync("r/a", "second", { qos: 0, retain: true });
    await waitFor(() => broker.retained.get("r/a")?.payload.toString() === "second", "replacement");
    const sub = await connect(url);
    const got = collect(sub);
    await subscribe(sub, "r/a", { qos: 1 });
    await waitFor(() => got.length === 1, "the retained message");
    await settle(pub, got, "r/a");
    assert.deepEqual(got.map((m) => m.payload), ["second", "marker"]);
    await end(sub);
    await end(pub);
  });
});

Deno.test("A retained message with an empty payload clears it and is not stored [MQTT-3.3.1-10] [MQTT-3.3.1-11]", async () => {
  await withBroker("", async ({ url, broker }) => {
    const pub = await connect(url);
    await pub.publishAsync("r/a", "kept", { qos: 1, retain: true });
    await pub.publishAsync("r/a", "", { qos: 1, retain: true });
    assert.equal(broker.retained.get("r/a"), undefined);
    const sub = await connect(url);
    const got = collect(sub);
    await subscribe(sub, "r/a", { qos: 1 });
    await settle(pub, got, "r/a");
    assert.deepEqual(got.map((m) => m.payload), ["marker"]);
    await end(sub);
    await end(pub);
  });
});

Deno.test("A retained message to an existing 3.1.1 subscription has RETAIN 0 [MQTT-3.3.1-9]", async () => {
  await withBroker("", async ({ url }) => {
    const sub = await connect(url);
    await subscribe(sub, "r/live", { qos: 1 });
    const got = collect(sub);
    const pub = await connect(url);
    await pub.publishAsync("r/live", "now", { qos: 1, retain: true });
    await waitFor(() => got.length === 1, "the live message");
    assert.equal(got[0].packet.retain, false);
    await end(sub);
    await end(pub);
  });
});

Deno.test("v5 Retain Handling 0 sends retained messages at every SUBSCRIBE [MQTT-3.3.1-9]", async () => {
  await retainHandling(0, [true, true]);
});

Deno.test("v5 Retain Handling 1 sends retained messages only for a new subscription [MQTT-3.3.1-10]", async () => {
  await retainHandling(1, [true, false]);
});

Deno.test("v5 Retain Handling 2 never sends retained messages on SUBSCRIBE [MQTT-3.3.1-11]", async () => {
  await retainHandling(2, [false, false]);
});

/** Subscribes twice with Retain Handling `rh`; `expected[i]`: whether subscribe i got the retained message. */
async function retainHandling(rh: 0 | 1 | 2, expected: [boolean, boolean]): Promise<void> {
  await withBroker("", async ({ url }) => {
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("rh/t", "kept", { qos: 1, retain: true });
    const sub = await connect(url, { protocolVersion: 5 });
    await subscribe(sub, "rh/marker", { qos: 1 });
    const got = collect(sub);
    for (const want of expected) {
      got.length = 0;
      await subscribe(sub, "rh/t", { qos: 1, rh });
      await settle(pub, got, "rh/marker");
      assert.equal(
        got.some((m) => m.payload === "kept"),
        want,
        `rh ${rh}: ${JSON.stringify(expected)}`,
      );
    }
    await end(sub);
    await end(pub);
  });
}

Deno.test("v5 Retain As Published keeps the RETAIN flag of live messages [MQTT-3.3.1-12] [MQTT-3.3.1-13]", async () => {
  await withBroker("", async ({ url }) => {
    const plain = await connect(url, { protocolVersion: 5 });
    const rap = await connect(url, { protocolVersion: 5 });
    await subscribe(plain, "rap/t", { qos: 1, rap: false });
    await subscribe(rap, "rap/t", { qos: 1, rap: true });
    const gotPlain = collect(plain);
    const gotRap = collect(rap);
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("rap/t", "m", { qos: 1, retain: true });
    await waitFor(() => gotPlain.length === 1 && gotRap.length === 1, "both copies");
    assert.equal(gotPlain[0].packet.retain, false);
    assert.equal(gotRap[0].packet.retain, true);
    await end(plain);
    await end(rap);
    await end(pub);
  });
});

Deno.test("v5 No Local: a client's own messages do not come back to it [MQTT-3.8.3-3]", async () => {
  await withBroker("", async ({ url }) => {
    const me = await connect(url, { protocolVersion: 5 });
    await subscribe(me, "nl/t", { qos: 1, nl: true });
    await subscribe(me, "nl/marker", { qos: 1 });
    const got = collect(me);
    const other = await connect(url, { protocolVersion: 5 });
    await me.publishAsync("nl/t", "mine", { qos: 1 });
    await other.publishAsync("nl/t", "theirs", { qos: 1 });
    await settle(other, got, "nl/marker");
    assert.deepEqual(got.map((m) => m.payload), ["theirs", "marker"]);
    await end(me);
    await end(other);
  });
});

Deno.test("v5 retained message past its Message Expiry Interval is not delivered [MQTT-3.3.2-5]", async () => {
  await withFakeTime("", async ({ url }, clock) => {
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("exp/t", "short", {
      qos: 1,
      retain: true,
      properties: { messageExpiryInterval: 1 },
    });
    clock.advance(1500);
    const sub = await connect(url, { protocolVersion: 5 });
    const got = collect(sub);
    await subscribe(sub, "exp/t", { qos: 1 });
    await settle(pub, got, "exp/t");
    assert.deepEqual(got.map((m) => m.payload), ["marker"]);
    await end(sub);
    await end(pub);
  });
});

Deno.test("v5 Message Expiry Interval is sent decremented by the time the message waited [MQTT-3.3.2-6]", async () => {
  await withFakeTime("", async ({ url }, clock) => {
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("exp/d", "long", {
      qos: 1,
      retain: true,
      properties: { messageExpiryInterval: 10 },
    });
    clock.advance(1100);
    const sub = await connect(url, { protocolVersion: 5 });
    const got = collect(sub);
    await subscribe(sub, "exp/d", { qos: 1 });
    await waitFor(() => got.length === 1, "the retained message");
    const left = got[0].packet.properties?.messageExpiryInterval;
    assert.ok(left !== undefined && left < 10 && left >= 8, `expiry sent as ${left}`);
    await end(sub);
    await end(pub);
  });
});
