import assert from "node:assert/strict";
import type { ISubackPacket, IUnsubackPacket } from "mqtt-packet";
import { collect, connect, end, subscribe, waitFor } from "../helpers.ts";
import { rawConnect } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

const MIXED = [
  { topic: "a/#/b", qos: 0 },
  { topic: "ok/1", qos: 1 },
  { topic: "a+", qos: 0 },
  { topic: "#a", qos: 0 },
  { topic: "ok/2", qos: 2 },
] as const;

Deno.test("3.1.1 SUBSCRIBE: invalid filters get 0x80, valid ones in the same packet succeed [MQTT-4.7.1-2] [MQTT-4.7.1-3]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { clientId: uniqueId("s") });
    await client.send({ cmd: "subscribe", messageId: 3, subscriptions: [...MIXED] });
    const suback = await client.next<ISubackPacket>("suback");
    assert.equal(suback.messageId, 3);
    assert.deepEqual(suback.granted, [0x80, 1, 0x80, 0x80, 2]);
    assert.equal(client.isClosed, false);
    await client.close();
  });
});

Deno.test("v5 SUBSCRIBE: invalid filters get 0x8F, valid ones in the same packet succeed [MQTT-4.7.1-2] [MQTT-4.7.1-3]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5, clientId: uniqueId("s") });
    await client.send({ cmd: "subscribe", messageId: 3, subscriptions: [...MIXED] });
    const suback = await client.next<ISubackPacket>("suback");
    assert.deepEqual(suback.granted, [0x8f, 1, 0x8f, 0x8f, 2]);
    await client.close();
  });
});

Deno.test("Topics starting with $ are not matched by '#' or '+/x' [MQTT-4.7.2-1]", async () => {
  await withBroker("", async ({ url }) => {
    const wild = await connect(url);
    await subscribe(wild, ["#", "+/x"]);
    const sys = await connect(url);
    await subscribe(sys, "$app/#");
    const wildGot = collect(wild);
    const sysGot = collect(sys);
    const pub = await connect(url);
    await pub.publishAsync("$app/x", "sys", { qos: 1 });
    await pub.publishAsync("m/x", "end", { qos: 1 });
    await waitFor(() => wildGot.some((m) => m.payload === "end"), "the marker on '#'");
    await waitFor(() => sysGot.length === 1, "the $app message on '$app/#'");
    assert.deepEqual(wildGot.map((m) => m.topic), ["m/x"], "one copy of the marker, no $app");
    assert.equal(sysGot[0].topic, "$app/x");
    await end(wild);
    await end(sys);
    await end(pub);
  });
});

Deno.test("v5 UNSUBACK says 0x11 for a filter that had no subscription [MQTT-3.11.3-1]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5, clientId: uniqueId("u") });
    await client.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [{ topic: "u/1", qos: 0 }],
    });
    await client.next("suback");
    await client.send({ cmd: "unsubscribe", messageId: 2, unsubscriptions: ["u/1", "u/never"] });
    const unsuback = await client.next<IUnsubackPacket>("unsuback");
    assert.equal(unsuback.messageId, 2);
    assert.deepEqual(unsuback.granted, [0x00, 0x11]);
    await client.close();
  });
});

Deno.test("After UNSUBSCRIBE no more messages arrive on that filter [MQTT-3.10.4-1]", async () => {
  await withBroker("", async ({ url }) => {
    const sub = await connect(url);
    await subscribe(sub, ["u/gone", "u/kept"]);
    await sub.unsubscribeAsync("u/gone");
    const got = collect(sub);
    const pub = await connect(url);
    await pub.publishAsync("u/gone", "no", { qos: 1 });
    await pub.publishAsync("u/kept", "yes", { qos: 1 });
    await waitFor(() => got.length > 0, "the message on the kept filter");
    assert.deepEqual(got.map((m) => m.payload), ["yes"]);
    await end(sub);
    await end(pub);
  });
});

Deno.test("Shared subscription $share/g/t delivers round robin: each of two members gets half (spec 4.8.2)", async () => {
  await withBroker("", async ({ url }) => {
    const a = await connect(url, { protocolVersion: 5 });
    const b = await connect(url, { protocolVersion: 5 });
    await subscribe(a, "$share/g/sh/t", { qos: 1 });
    await subscribe(b, "$share/g/sh/t", { qos: 1 });
    const gotA = collect(a);
    const gotB = collect(b);
    const pub = await connect(url, { protocolVersion: 5 });
    for (let i = 0; i < 10; i++) await pub.publishAsync("sh/t", `m${i}`, { qos: 1 });
    await waitFor(() => gotA.length + gotB.length === 10, "10 messages across the group");
    assert.equal(gotA.length, 5);
    assert.equal(gotB.length, 5);
    await end(a);
    await end(b);
    await end(pub);
  });
});

Deno.test("Subscribing to a shared subscription sends no retained messages (spec 4.8.2)", async () => {
  await withBroker("", async ({ url }) => {
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("sh/r", "retained", { qos: 1, retain: true });
    const sub = await connect(url, { protocolVersion: 5 });
    const got = collect(sub);
    await subscribe(sub, "$share/g/sh/r", { qos: 1 });
    await subscribe(sub, "sh/marker", { qos: 1 });
    await pub.publishAsync("sh/marker", "end", { qos: 1 });
    await waitFor(() => got.some((m) => m.payload === "end"), "the marker message");
    assert.deepEqual(got.map((m) => m.payload), ["end"]);
    await end(sub);
    await end(pub);
  });
});
