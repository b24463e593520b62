/**
 * MQTT 5 enhanced authentication (spec 4.12, the AUTH packet 3.15) against a real broker with a
 * caged plugin (`_plugins/challenge_auth.ts`) answering `client.enhanced_auth`, driven by a raw
 * client so that every reason code and the moment of each close are seen.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { IAuthPacket, IConnackPacket, IConnectPacket, IDisconnectPacket } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { connectPacket, frame, type RawClient, rawOpen } from "./_raw.ts";
import { withBroker, withFakeTime } from "./_util.ts";
import { connect, end, nextMessage } from "../helpers.ts";

const fixture = new URL("./_plugins/challenge_auth.ts", import.meta.url).href;
const YAML = `plugins:\n  challenge: {source: "${fixture}"}\n`;
const text = (b?: Uint8Array) => new TextDecoder().decode(b ?? new Uint8Array());

/** Opens a v5 connection and sends a CONNECT naming `method` with `data`. */
async function start(
  port: number,
  method: string,
  data = "hello",
  fields: Partial<IConnectPacket> = {},
): Promise<RawClient> {
  const raw = await rawOpen(port, { protocolVersion: 5 });
  await raw.send(connectPacket({
    protocolVersion: 5,
    clientId: "ea-" + crypto.randomUUID().slice(0, 8),
    properties: { authenticationMethod: method, authenticationData: Buffer.from(data) },
    ...fields,
  }));
  return raw;
}

/** A client AUTH packet. */
function auth(reasonCode: number, method: string, data?: string): IAuthPacket {
  return {
    cmd: "auth",
    reasonCode,
    properties: {
      authenticationMethod: method,
      ...(data !== undefined ? { authenticationData: Buffer.from(data) } : {}),
    },
  };
}

/** Runs the CHALLENGE exchange up to the CONNACK; returns the client and the CONNACK. */
async function challenge(
  port: number,
  fields: Partial<IConnectPacket> = {},
): Promise<{ raw: RawClient; connack: IConnackPacket }> {
  const raw = await start(port, "CHALLENGE", "hello", fields);
  const first = await raw.next<IAuthPacket>("auth");
  const nonce = text(first.properties?.authenticationData).replace("nonce:", "");
  await raw.send(auth(0x18, "CHALLENGE", `proof:${nonce}`));
  return { raw, connack: await raw.next<IConnackPacket>("connack") };
}

/** Expects a refusing CONNACK with `code` and the close, nothing after it. */
async function refusedWith(raw: RawClient, code: number): Promise<void> {
  const connack = await raw.next<IConnackPacket>("connack");
  assert.equal(connack.reasonCode, code);
  await raw.closed();
  assert.deepEqual(raw.received, []);
  await raw.close();
}

/** Whether the connection still answers a PINGREQ. */
async function alive(raw: RawClient): Promise<void> {
  await raw.send({ cmd: "pingreq" });
  await raw.next("pingresp");
}

Deno.test("enhanced auth: an unhandled method is refused with CONNACK 0x8C and the close [MQTT-4.12.0-1]", async () => {
  await withBroker(YAML, async ({ port }) => {
    await refusedWith(await start(port, "KERBEROS-NOBODY"), 0x8c);
  });
  await withBroker("", async ({ port }) => { // no plugin at all: today's answer, kept
    await refusedWith(await start(port, "CHALLENGE"), 0x8c);
  });
});

Deno.test("enhanced auth: the server continues with AUTH 0x18 and the CONNECT's method, the CONNACK carries the method and the final data [MQTT-4.12.0-2] [MQTT-4.12.0-5]", async () => {
  await withBroker(YAML, async ({ port }) => {
    const raw = await start(port, "CHALLENGE");
    const first = await raw.next<IAuthPacket>("auth");
    assert.equal(first.reasonCode, 0x18);
    assert.equal(first.properties?.authenticationMethod, "CHALLENGE");
    assert.match(text(first.properties?.authenticationData), /^nonce:/);
    const nonce = text(first.properties?.authenticationData).slice(6);
    await raw.send(auth(0x18, "CHALLENGE", `proof:${nonce}`));
    const connack = await raw.next<IConnackPacket>("connack");
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, "CHALLENGE");
    assert.equal(text(connack.properties?.authenticationData), "ok");
    await alive(raw);
    await raw.close();
  });
});

Deno.test("enhanced auth: a wrong answer at any step is refused with CONNACK 0x87 and the close [MQTT-4.12.0-4]", async () => {
  await withBroker(YAML, async ({ port }) => {
    await refusedWith(await start(port, "CHALLENGE", "not hello"), 0x87); // at the CONNECT
    const raw = await start(port, "CHALLENGE");
    await raw.next("auth");
    await raw.send(auth(0x18, "CHALLENGE", "proof:guessed"));
    await refusedWith(raw, 0x87);
  });
});

Deno.test("enhanced auth: an AUTH with another method, or a reason code other than 0x18, is a protocol error (CONNACK 0x82) [MQTT-4.12.0-5] [MQTT-4.12.0-3] [MQTT-3.15.2-1]", async () => {
  await withBroker(YAML, async ({ port }) => {
    for (
      const wrong of [auth(0x18, "ROUNDS", "x"), auth(0x19, "CHALLENGE"), auth(0, "CHALLENGE")]
    ) {
      const raw = await start(port, "CHALLENGE");
      await raw.next("auth");
      await raw.send(wrong);
      await refusedWith(raw, 0x82);
    }
    // An AUTH without any method at all.
    const raw = await start(port, "CHALLENGE");
    await raw.next("auth");
    await raw.send({ cmd: "auth", reasonCode: 0x18 });
    await refusedWith(raw, 0x82);
  });
});

Deno.test("enhanced auth: a PUBLISH or SUBSCRIBE before the CONNACK closes the connection without one [MQTT-3.1.2-30]", async () => {
  await withBroker(YAML, async ({ port }) => {
    for (const early of ["publish", "subscribe"] as const) {
      const raw = await start(port, "CHALLENGE");
      await raw.next("auth");
      await raw.send(
        early === "publish"
          ? {
            cmd: "publish",
            topic: "t",
            payload: Buffer.from("x"),
            qos: 0,
            retain: false,
            dup: false,
          }
          : { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "t", qos: 0 }] },
      );
      await raw.closed();
      assert.equal(raw.received.find((p) => p.cmd === "connack"), undefined, early);
      await raw.close();
    }
  });
});

Deno.test("enhanced auth: a CONNECT without a method gets no AUTH and no method in CONNACK; an AUTH then is a protocol error (DISCONNECT 0x82) [MQTT-4.12.0-6] [MQTT-4.12.0-7]", async () => {
  await withBroker(YAML, async ({ port }) => {
    const raw = await rawOpen(port, { protocolVersion: 5 });
    await raw.send(connectPacket({ protocolVersion: 5, clientId: "plain" }));
    const connack = await raw.next<IConnackPacket>("connack");
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.authenticationMethod, undefined);
    await raw.send(auth(0x19, "CHALLENGE", "hello"));
    const disconnect = await raw.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x82);
    await raw.closed();
    assert.equal(raw.received.find((p) => p.cmd === "auth"), undefined);
    await raw.close();
  });
});

Deno.test("enhanced auth: an exchange that keeps continuing is refused after 10 rounds (CONNACK 0x87)", async () => {
  await withBroker(YAML, async ({ port }) => {
    const raw = await start(port, "ROUNDS");
    for (let i = 0; i < 10; i++) {
      const round = await raw.next<IAuthPacket>("auth");
      assert.equal(text(round.properties?.authenticationData), `round ${i}`);
      await raw.send(auth(0x18, "ROUNDS", "more"));
    }
    await refusedWith(raw, 0x87);
  });
});

Deno.test("enhanced auth: a client that stops answering is closed at the connect timeout", async () => {
  await withBroker(`${YAML}mqtt: {connect_timeout_ms: 300}\n`, async ({ port }) => {
    const raw = await start(port, "CHALLENGE");
    await raw.next("auth");
    await raw.closed(3000);
    assert.equal(raw.received.find((p) => p.cmd === "connack"), undefined);
    await raw.close();
  });
});

Deno.test("enhanced auth: re-authentication with AUTH 0x19 and the same method ends in AUTH 0x00 with the final data, the client stays connected [MQTT-4.12.1-1]", async () => {
  await withBroker(YAML, async ({ port }) => {
    const { raw, connack } = await challenge(port);
    assert.equal(connack.reasonCode, 0);
    for (let i = 0; i < 2; i++) {
      await raw.send(auth(0x19, "CHALLENGE", "hello"));
      const first = await raw.next<IAuthPacket>("auth");
      assert.equal(first.reasonCode, 0x18);
      await alive(raw); // other traffic goes on during the exchange (spec 4.12.1)
      const nonce = text(first.properties?.authenticationData).slice(6);
      await raw.send(auth(0x18, "CHALLENGE", `proof:${nonce}`));
      const done = await raw.next<IAuthPacket>("auth");
      assert.equal(done.reasonCode, 0);
      assert.equal(done.properties?.authenticationMethod, "CHALLENGE");
      assert.equal(text(done.properties?.authenticationData), "ok");
    }
    await alive(raw);
    await raw.close();
  });
});

Deno.test("enhanced auth: a failed re-authentication is answered with DISCONNECT 0x87 and the close; another method with 0x82 [MQTT-4.12.1-2] [MQTT-4.12.1-1]", async () => {
  await withBroker(YAML, async ({ port }) => {
    const cases: [IAuthPacket[], number][] = [
      [[auth(0x19, "CHALLENGE", "hello"), auth(0x18, "CHALLENGE", "proof:wrong")], 0x87],
      [[auth(0x19, "ROUNDS", "hello")], 0x82],
      [[auth(0x18, "CHALLENGE", "hello")], 0x82], // 0x18 when no exchange is in progress
    ];
    for (const [packets, code] of cases) {
      const { raw } = await challenge(port);
      for (const p of packets) await raw.send(p);
      const disconnect = await raw.next<IDisconnectPacket>("disconnect");
      assert.equal(disconnect.reasonCode, code);
      await raw.closed();
      await raw.close();
    }
  });
});

Deno.test("enhanced auth: on MQTT 3.1.1 packet type 15 (AUTH) is malformed: the connection closes", async () => {
  await withBroker(YAML, async ({ port }) => {
    const raw = await rawOpen(port, { protocolVersion: 4 });
    await raw.send(connectPacket({ protocolVersion: 4, clientId: "v4" }));
    assert.equal((await raw.next<IConnackPacket>("connack")).returnCode, 0);
    await raw.sendBytes(frame(0xf0, new Uint8Array([0x18, 0])));
    await raw.closed();
    assert.deepEqual(raw.received, []);
    await raw.close();
  });
});

Deno.test("enhanced auth: the CONNECT steps after authentication run once the exchange allows: the will is kept and published on a lost connection", async () => {
  await withBroker(YAML, async ({ port, url }) => {
    const watcher = await connect(url, { protocolVersion: 5 });
    try {
      await watcher.subscribeAsync("wills/#", { qos: 1 });
      const will = {
        topic: "wills/ea",
        payload: Buffer.from("gone"),
        qos: 1,
        retain: false,
      } as const;
      const { raw, connack } = await challenge(port, { clientId: "with-will", will });
      assert.equal(connack.reasonCode, 0);
      const got = nextMessage(watcher);
      await raw.close(); // no DISCONNECT: the will goes out
      const m = await got;
      assert.equal(m.topic, "wills/ea");
      assert.equal(m.payload, "gone");
    } finally {
      await end(watcher);
    }
  });
});

Deno.test("enhanced auth: client.connect still decides first (a banned client id is refused without an AUTH)", async () => {
  await withBroker(YAML, async ({ port }) => {
    const raw = await start(port, "CHALLENGE", "hello", { clientId: "banned-1" });
    await refusedWith(raw, 0x87);
  });
});

Deno.test("enhanced auth: a re-authentication round that comes after the connect timeout is refused with DISCONNECT 0x87", async () => {
  await withFakeTime(YAML, async ({ port }, clock) => {
    const { raw } = await challenge(port);
    await raw.send(auth(0x19, "CHALLENGE", "hello"));
    const first = await raw.next<IAuthPacket>("auth");
    clock.advance(10_001); // mqtt.connect_timeout_ms (10 s) since the AUTH 0x19
    const nonce = text(first.properties?.authenticationData).slice(6);
    await raw.send(auth(0x18, "CHALLENGE", `proof:${nonce}`));
    const disconnect = await raw.next<IDisconnectPacket>("disconnect");
    assert.equal(disconnect.reasonCode, 0x87);
    await raw.closed();
    await raw.close();
  });
});
