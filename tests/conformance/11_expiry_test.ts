import assert from "node:assert/strict";
import type { IDisconnectPacket, IPublishPacket } from "mqtt-packet";
import type { Broker } from "../../broker/broker.ts";
import { MAX_TIMER_MS } from "../../broker/session/expiry_schedule.ts";
import type { FakeClock } from "../../lib/fake_clock.ts";
import { collect, connect, end, subscribe, waitFor } from "../helpers.ts";
import { type RawClient, rawConnect } from "./_raw.ts";
import { uniqueId, withBroker, withFakeTime } from "./_util.ts";

/** 2^31 - 1 ms is the longest timer delay; these many seconds are beyond it. */
const PAST_TIMER_LIMIT_S = 3_000_000;
const UNLIMITED = "mqtt: {max_session_expiry: 4294967295}";

/** A v5 raw client with a persistent session of `expiry` seconds, subscribed to `topic`. */
async function v5Subscriber(port: number, clientId: string, expiry: number, topic = "e/t") {
  const { client, connack } = await rawConnect(port, {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: expiry },
  });
  await client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos: 1 }] });
  await client.next("suback");
  return { client, connack };
}

/**
 * A minute of fake time: far less than the long intervals here, far more than a short one, and
 * within the keep alive of an MQTT.js watcher (60 s, so 90 s of silence).
 */
const LATER_MS = 60_000;

/** No broker timer asked for more than the longest delay a timer takes (longer ones overflow). */
function assertTimersCapped(clock: FakeClock): void {
  const longest = Math.max(...clock.delays);
  assert.ok(longest <= MAX_TIMER_MS, `a timer of ${longest} ms`);
}

/** Waits for the broker to hold the session offline, then lets a minute of fake time pass. */
async function offline(broker: Broker, clock: FakeClock): Promise<void> {
  await waitFor(() => broker.offline.size === 1, "the session to wait offline");
  clock.advance(LATER_MS);
  assertTimersCapped(clock);
}

/** Sends DISCONNECT (with a Session Expiry Interval when given) and waits for the close. */
async function leave(client: RawClient, sessionExpiryInterval?: number): Promise<void> {
  const properties = sessionExpiryInterval === undefined ? undefined : { sessionExpiryInterval };
  await client.send({ cmd: "disconnect", reasonCode: 0, properties });
  await client.closed();
  await client.close();
}

/** Reconnects `clientId` as v5 without clean start; returns Session Present. */
async function present(port: number, clientId: string): Promise<boolean> {
  const { client, connack } = await rawConnect(port, {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 60 },
  });
  await client.close();
  return connack.sessionPresent;
}

Deno.test("v5 DISCONNECT Session Expiry above max_session_expiry is capped; the session lives (spec 3.14.2.2.2, 3.2.2.3.2)", async () => {
  await withFakeTime("", async ({ port, broker }, clock) => {
    const clientId = uniqueId("cap");
    const { client } = await v5Subscriber(port, clientId, 99999);
    await leave(client, 999_999_999);
    await offline(broker, clock);
    assert.equal(broker.sessions.get(clientId)?.expiryInterval, 604800);
    assert.equal(await present(port, clientId), true);
  });
});

Deno.test("v5 Session Expiry beyond the longest timer keeps the session [MQTT-3.1.2-23]", async () => {
  await withFakeTime(UNLIMITED, async ({ port, broker }, clock) => {
    const clientId = uniqueId("long");
    const { client } = await v5Subscriber(port, clientId, PAST_TIMER_LIMIT_S);
    await leave(client);
    await offline(broker, clock);
    assert.ok(broker.sessions.get(clientId), "session kept");
    assert.equal(await present(port, clientId), true);
  });
});

Deno.test("v5 DISCONNECT Session Expiry beyond the longest timer keeps the session [MQTT-3.1.2-23]", async () => {
  await withFakeTime(UNLIMITED, async ({ port, broker }, clock) => {
    const clientId = uniqueId("long");
    const { client } = await v5Subscriber(port, clientId, 10);
    await leave(client, PAST_TIMER_LIMIT_S);
    await offline(broker, clock);
    assert.equal(await present(port, clientId), true);
  });
});

Deno.test("v5 Will Delay Interval beyond the longest timer holds the will [MQTT-3.1.3-9]", async () => {
  await withFakeTime(UNLIMITED, async ({ port, url, broker }, clock) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    await subscribe(watcher, "will/#", { qos: 1 });
    const got = collect(watcher);
    const { client } = await rawConnect(port, {
      protocolVersion: 5,
      clientId: uniqueId("willdelay"),
      clean: false,
      properties: { sessionExpiryInterval: 0xffffffff },
      will: {
        topic: "will/long",
        payload: "gone",
        qos: 1,
        retain: false,
        properties: { willDelayInterval: PAST_TIMER_LIMIT_S },
      },
    });
    await client.close(); // no DISCONNECT: the will is due after its delay
    await waitFor(() => broker.offline.pendingWills === 1, "the broker to hold the will");
    clock.advance(LATER_MS);
    assertTimersCapped(clock);
    await watcher.publishAsync("will/marker", "marker", { qos: 1 });
    await waitFor(() => got.length > 0, "the marker");
    assert.deepEqual(got.map((m) => m.topic), ["will/marker"]);
    await end(watcher);
  });
});

Deno.test("v5 session expiry still ends a short session after its interval [MQTT-3.1.2-23]", async () => {
  await withFakeTime("", async ({ port, broker }, clock) => {
    const clientId = uniqueId("short");
    const { client } = await v5Subscriber(port, clientId, 60);
    await leave(client, 1); // shortened on DISCONNECT
    await waitFor(() => broker.offline.size === 1, "the session to wait offline");
    clock.advance(999);
    assert.ok(broker.sessions.get(clientId), "not before its interval");
    clock.advance(1);
    await waitFor(() => broker.sessions.get(clientId) === undefined, "the session to expire");
  });
});

Deno.test("v5 DISCONNECT setting Session Expiry after 0 at CONNECT is a protocol error 0x82 (spec 3.14.2.2.2)", async () => {
  await withBroker("", async ({ port, broker }) => {
    const clientId = uniqueId("zero");
    const { client } = await v5Subscriber(port, clientId, 0);
    await client.send({
      cmd: "disconnect",
      reasonCode: 0,
      properties: { sessionExpiryInterval: 60 },
    });
    const answer = await client.next<IDisconnectPacket>("disconnect");
    assert.equal(answer.reasonCode, 0x82);
    await client.closed();
    await client.close();
    await waitFor(() => broker.sessions.get(clientId) === undefined, "the session to end");
  });
});

Deno.test("v5 Message Expiry Interval 4294967295 does not wrap for a queued message [MQTT-3.3.2-6]", async () => {
  await withBroker(UNLIMITED, async ({ port, url }) => {
    const clientId = uniqueId("msgexp");
    const { client } = await v5Subscriber(port, clientId, 60);
    await leave(client);
    const pub = await connect(url, { protocolVersion: 5 });
    await pub.publishAsync("e/t", "kept", {
      qos: 1,
      properties: { messageExpiryInterval: 0xffffffff },
    });
    const again = await rawConnect(port, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    const got = await again.client.next<IPublishPacket>("publish");
    assert.equal(String(got.payload), "kept");
    const left = got.properties?.messageExpiryInterval ?? 0;
    assert.ok(left > 0xffffffff - 10 && left <= 0xffffffff, `expiry sent: ${left}`);
    await again.client.close();
    await end(pub);
  });
});

Deno.test("v5 DISCONNECT repeating the CONNECT's non-zero Session Expiry is no protocol error when the broker capped it to 0 (spec 3.14.2.2.2)", async () => {
  await withBroker("mqtt: {max_session_expiry: 0}", async ({ port }) => {
    const clientId = uniqueId("capped0");
    const { client } = await v5Subscriber(port, clientId, 100);
    await client.send({
      cmd: "disconnect",
      reasonCode: 0,
      properties: { sessionExpiryInterval: 100 },
    });
    await client.closed();
    assert.ok(
      !client.received.some((p) => p.cmd === "disconnect"),
      "the broker answered with a DISCONNECT (protocol error)",
    );
    await client.close();
  });
});

Deno.test("v3.1.1 persistent session (CleanSession=0) ends after mqtt.max_session_expiry offline", async () => {
  await withFakeTime("mqtt: {max_session_expiry: 1}", async ({ port, broker }, clock) => {
    const clientId = uniqueId("v4cap");
    const first = await rawConnect(port, { protocolVersion: 4, clientId, clean: false });
    await first.client.send({ cmd: "disconnect" });
    await first.client.closed();
    await first.client.close();
    await waitFor(() => broker.offline.size === 1, "the session to wait offline");
    clock.advance(999);
    assert.ok(broker.sessions.get(clientId), "kept while within max_session_expiry");
    clock.advance(1);
    await waitFor(() => !broker.sessions.get(clientId), "the session to expire");
    const again = await rawConnect(port, { protocolVersion: 4, clientId, clean: false });
    assert.equal(again.connack.sessionPresent, false);
    await again.client.close();
  });
});
