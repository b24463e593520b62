import assert from "node:assert/strict";
import type { IClientOptions, MqttClient } from "mqtt";
import type { IDisconnectPacket } from "mqtt-packet";
import { collect, connect, delay, end, startTestBroker, subscribe, waitFor } from "../helpers.ts";
import { rawConnect } from "./_raw.ts";
import { uniqueId, withBroker, withFakeTime } from "./_util.ts";

/** Kills the client's socket without a DISCONNECT, as a crash or a lost network would. */
async function crash(client: MqttClient): Promise<void> {
  client.stream.destroy();
  await end(client, true);
}

function withWill(
  topic: string,
  extra: Partial<NonNullable<IClientOptions["will"]>> = {},
): IClientOptions["will"] {
  return { topic, payload: "gone", qos: 0, retain: false, ...extra };
}

Deno.test("The will is published when the connection drops without DISCONNECT [MQTT-3.1.2-8]", async () => {
  await withBroker("", async ({ url }) => {
    const watcher = await connect(url);
    await subscribe(watcher, "will/t", { qos: 1 });
    const got = collect(watcher);
    const victim = await connect(url, { will: withWill("will/t") });
    await crash(victim);
    await waitFor(() => got.length === 1, "the will");
    assert.equal(got[0].payload, "gone");
    await end(watcher);
  });
});

Deno.test("v5 keep alive timeout sends DISCONNECT 0x8D and publishes the will [MQTT-3.1.2-22]", async () => {
  await withFakeTime("", async ({ port, url }, clock) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    await subscribe(watcher, "will/ka", { qos: 1 });
    const got = collect(watcher);
    const { client } = await rawConnect(port, {
      protocolVersion: 5,
      clientId: uniqueId("ka"),
      keepalive: 1,
      will: { topic: "will/ka", payload: "gone", qos: 1, retain: false },
    });
    clock.advance(1500);
    const disconnect = await client.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x8d);
    await client.closed();
    await waitFor(() => got.length === 1, "the will");
    await client.close();
    await end(watcher);
  });
});

Deno.test("No will after a normal DISCONNECT [MQTT-3.1.2-10]", async () => {
  await withBroker("", async ({ url, broker }) => {
    const watcher = await connect(url);
    await subscribe(watcher, "will/#", { qos: 1 });
    const got = collect(watcher);
    const victim = await connect(url, { clientId: uniqueId("polite"), will: withWill("will/t") });
    await end(victim);
    await waitFor(() => broker.clients.size === 1, "the broker to see the DISCONNECT");
    const pub = await connect(url);
    await pub.publishAsync("will/marker", "marker", { qos: 1 });
    await waitFor(() => got.length > 0, "the marker");
    assert.deepEqual(got.map((m) => m.payload), ["marker"]);
    await end(watcher);
    await end(pub);
  });
});

Deno.test("A will with Will Retain set is published as a retained message [MQTT-3.1.2-17]", async () => {
  await withBroker("", async ({ url, broker }) => {
    const victim = await connect(url, { will: withWill("will/r", { retain: true }) });
    await crash(victim);
    await waitFor(() => broker.retained.get("will/r") !== undefined, "the retained will");
    const late = await connect(url);
    const got = collect(late);
    await subscribe(late, "will/r");
    await waitFor(() => got.length === 1, "the retained will on subscribe");
    assert.equal(got[0].payload, "gone");
    assert.equal(got[0].packet.retain, true);
    await end(late);
  });
});

Deno.test("The will is published at its Will QoS [MQTT-3.1.2-14]", async () => {
  await withBroker("", async ({ url }) => {
    const watcher = await connect(url);
    await subscribe(watcher, "will/q", { qos: 2 });
    const got = collect(watcher);
    const victim = await connect(url, { will: withWill("will/q", { qos: 1 }) });
    await crash(victim);
    await waitFor(() => got.length === 1, "the will");
    assert.equal(got[0].packet.qos, 1);
    await end(watcher);
  });
});

const delayed = (clientId: string) => ({
  protocolVersion: 5 as const,
  clientId,
  clean: false,
  properties: { sessionExpiryInterval: 30 },
  will: withWill("will/d", { properties: { willDelayInterval: 1 } }),
});

Deno.test("v5 Will Delay Interval: the will waits for the delay [MQTT-3.1.3-9]", async () => {
  await withFakeTime("", async ({ url, broker }, clock) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    await subscribe(watcher, "will/d", { qos: 1 });
    const got = collect(watcher);
    const victim = await connect(url, delayed(uniqueId("delay")));
    await crash(victim);
    await waitFor(() => broker.offline.pendingWills === 1, "the broker to hold the will");
    clock.advance(999);
    assert.equal(broker.offline.pendingWills, 1, "the will waits for its delay");
    clock.advance(1);
    await waitFor(() => got.length === 1, "the delayed will");
    await end(watcher);
  });
});

Deno.test("v5 reconnecting within the Will Delay Interval cancels the will [MQTT-3.1.3-9]", async () => {
  await withFakeTime("", async ({ url }, clock) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    await subscribe(watcher, "will/#", { qos: 1 });
    const got = collect(watcher);
    const clientId = uniqueId("delay");
    await crash(await connect(url, delayed(clientId)));
    const back = await connect(url, { ...delayed(clientId), will: undefined });
    clock.advance(1300); // past the 1 s will delay
    await back.publishAsync("will/marker", "marker", { qos: 1 });
    await waitFor(() => got.length > 0, "the marker");
    assert.deepEqual(got.map((m) => m.payload), ["marker"]);
    await end(back);
    await end(watcher);
  });
});

Deno.test("Broker shutdown does not publish wills (RunningBroker.close)", async () => {
  const running = await startTestBroker();
  const victim = await connect(running.url, { will: withWill("will/shutdown") });
  const closed = new Promise<void>((resolve) => victim.once("close", () => resolve()));
  const before = running.broker.stats.messagesReceived;
  await running.close();
  await closed;
  assert.equal(running.broker.stats.messagesReceived, before, "no will went through publish");
  await end(victim, true);
  await delay(0); // MQTT.js closes its resend-store stream on a 0 ms timer
});
