/**
 * Issue 9, items 4 and 8: what a plugin returns or publishes is checked before it can reach a
 * socket. A topic-prefixing transform must not let a client's long topic wrap a length field and
 * inject a forged PUBLISH; hostile transform results (64 MiB payloads, NUL, lone surrogates,
 * wrong property types) are refused as that plugin's fault; subscribers keep being served.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket from "mqtt-packet";
import { collect, connect, end, nextMessage, subscribe, waitFor } from "../helpers.ts";
import { rawConnect } from "../conformance/_raw.ts";
import { assertPluginRunning, fixture, isUp, logged, startLoggedBroker } from "./broker_helpers.ts";

const PREFIX = "prefix/"; // 7 bytes: 65,531 + 7 = 65,538, above the 65,535 limit

/**
 * The payload of the message that follows the long-topic one, chosen so that, if the broker
 * emitted only the wrapped header of the first (claiming 65,540 body bytes), the subscriber's
 * parser would take the first 65,540 bytes of this PUBLISH as that body and read the rest as a
 * forged PUBLISH on `forged/admin`.
 */
function smugglingPayload(): Buffer {
  const body = 2 + PREFIX.length + 65_531; // topic length field + topic, empty payload
  const forged = mqttPacket.generate({
    cmd: "publish",
    topic: "forged/admin",
    payload: Buffer.from("pwned"),
    qos: 0,
    retain: false,
    dup: false,
  });
  const header = 4 + 2 + `${PREFIX}x`.length; // 0x30, 3-byte length, topic length, topic
  return Buffer.concat([Buffer.alloc(body - header, 0x41), forged]);
}

Deno.test("a prefixing transform cannot make a 65,531-byte topic inject a forged PUBLISH (MQTT-1.5.4-1)", async () => {
  const broker = await startLoggedBroker(`
plugins:
  prefixer:
    source: "${fixture("broker_prefixer.js")}"
    config: {prefix: "${PREFIX}", repeat: 1}
`);
  const sub = await connect(broker.url, { clientId: "victim" });
  const pub = await connect(broker.url, { clientId: "attacker" });
  try {
    const [status] = broker.plugins!.status();
    assert.equal(status.state, "running", status.error ?? "");
    await subscribe(sub, "#");
    const got = collect(sub);
    pub.publish("a".repeat(65_531), Buffer.alloc(0), { qos: 0 });
    pub.publish("x", smugglingPayload(), { qos: 0 });
    await pub.publishAsync("after", "still here", { qos: 1 });
    await waitFor(() => got.some((m) => m.topic === `${PREFIX}after`), "the message after");
    assert.deepEqual(got.map((m) => m.topic.slice(0, 40)), [`${PREFIX}x`, `${PREFIX}after`]);
    assert.ok(!got.some((m) => m.topic.startsWith("forged")), "no forged PUBLISH");
    assert.ok(isUp(sub), "the subscriber stays connected");
    assert.ok(
      logged(broker.lines, "prefixer").some((l) => /refused/i.test(l.msg)),
      "the broker logs the plugin's fault",
    );
    assert.ok(broker.broker.stats.pluginOutputRefused >= 1);
  } finally {
    await end(pub);
    await end(sub);
    await broker.close();
  }
});

const YAML = `
plugins:
  bad:
    source: "${fixture("broker_bad_output.js")}"
`;

/** message.publish results the broker must refuse, by case name (see the fixture). */
const HOSTILE = [
  "huge",
  "nul",
  "surrogate",
  "longtopic",
  "expiry",
  "expiry-range",
  "contenttype",
  "userprops",
  "alias",
  "correlation",
  "longprop",
  "format",
];

Deno.test("hostile message.publish results (64 MiB payload, U+0000, lone surrogate, wrong property types) are refused, never sent", async () => {
  const broker = await startLoggedBroker(YAML);
  const sub = await connect(broker.url, { clientId: "sub", protocolVersion: 5 });
  const pub = await connect(broker.url, { clientId: "pub", protocolVersion: 5 });
  try {
    assertPluginRunning(broker);
    await subscribe(sub, "#");
    const got = collect(sub);
    for (const name of [...HOSTILE, "wildcard"]) {
      await pub.publishAsync(`bad/pub/${name}`, "x", { qos: 1 });
    }
    await pub.publishAsync("good/after", "fine", { qos: 1 });
    await waitFor(() => got.some((m) => m.topic === "good/after"), "the good message");
    // "wildcard" is refused by the host's shape check, which keeps the original message.
    const unexpected = got.filter((m) => !["good/after", "bad/pub/wildcard"].includes(m.topic));
    assert.deepEqual(unexpected.map((m) => [m.topic, m.packet.properties]), []);
    assert.ok(got.every((m) => m.packet.payload.length < 1024));
    assert.ok(isUp(sub) && isUp(pub), "both clients stay connected");
    assert.ok(broker.broker.stats.pluginOutputRefused >= HOSTILE.length);
    assert.ok(logged(broker.lines, '"plugins":"bad"').length >= 1, "faults logged with the alias");
  } finally {
    await end(pub);
    await end(sub);
    await broker.close();
  }
});

Deno.test("hostile message.delivered results are dropped for that subscriber only", async () => {
  const broker = await startLoggedBroker(YAML);
  const sub = await connect(broker.url, { clientId: "sub", protocolVersion: 5 });
  const pub = await connect(broker.url, { clientId: "pub", protocolVersion: 4 });
  try {
    await subscribe(sub, "#");
    const got = collect(sub);
    for (const name of HOSTILE) await pub.publishAsync(`bad/deliver/${name}`, "x", { qos: 1 });
    await pub.publishAsync("good/after", "fine", { qos: 1 });
    await waitFor(() => got.some((m) => m.topic === "good/after"), "the good message");
    assert.deepEqual(got.map((m) => m.topic), ["good/after"]);
    assert.ok(isUp(sub) && isUp(pub));
    assert.ok(broker.broker.stats.pluginOutputRefused >= HOSTILE.length);
  } finally {
    await end(pub);
    await end(sub);
    await broker.close();
  }
});

Deno.test("ctx.publish of a hostile message is refused to the plugin and never routed", async () => {
  const broker = await startLoggedBroker(YAML);
  const sub = await connect(broker.url, { clientId: "sub", protocolVersion: 5 });
  const pub = await connect(broker.url, { clientId: "pub", protocolVersion: 5 });
  try {
    await subscribe(sub, "#");
    const got = collect(sub);
    const cases = ["huge", "nul", "surrogate", "longtopic", "expiry", "contenttype", "alias"];
    for (const name of cases) await pub.publishAsync(`bad/ctx/${name}`, "x", { qos: 1 });
    await waitFor(
      () => logged(broker.lines, "ctx.publish refused").length === cases.length,
      "the plugin told of each refusal",
      10_000,
    );
    await pub.publishAsync("good/after", "fine", { qos: 1 });
    await waitFor(() => got.some((m) => m.topic === "good/after"), "the good message");
    const leaked = got.filter((m) => !m.topic.startsWith("bad/ctx/") && m.topic !== "good/after");
    assert.deepEqual(leaked.map((m) => m.topic), []);
    assert.equal(logged(broker.lines, "ctx.publish accepted").length, 0);
    assert.ok(isUp(sub) && isUp(pub));
  } finally {
    await end(pub);
    await end(sub);
    await broker.close();
  }
});

Deno.test("client.connack properties with U+0000, wrong types or 70 kB are left out of CONNACK (MQTT-3.2.2-19)", async () => {
  const broker = await startLoggedBroker(YAML);
  try {
    for (const clientId of ["bad-connack", "long-connack"]) {
      const { client, connack } = await rawConnect(broker.port, { protocolVersion: 5, clientId });
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.properties?.reasonString, undefined);
      assert.equal(connack.properties?.userProperties, undefined);
      await client.close();
    }
    const { client, connack } = await rawConnect(broker.port, {
      protocolVersion: 5,
      clientId: "good-connack",
    });
    assert.deepEqual({ ...connack.properties?.userProperties }, { greeting: "hello" });
    await client.close();
    assert.ok(broker.broker.stats.pluginOutputRefused >= 2);
  } finally {
    await broker.close();
  }
});

Deno.test("a client.subscribe result with out-of-range options refuses the filter (SUBACK 0x87), the client stays", async () => {
  const broker = await startLoggedBroker(YAML);
  const c = await connect(broker.url, { clientId: "s", protocolVersion: 5 });
  try {
    const refused = await c.subscribeAsync("bad/sub", { qos: 1 })
      .then(
        (g) => g.map((x) => x.qos),
        (e) => (e as { packet: { granted: number[] } }).packet.granted,
      );
    assert.deepEqual(refused, [0x87]);
    await subscribe(c, "ok/t", { qos: 1 });
    const next = nextMessage(c);
    await c.publishAsync("ok/t", "hi", { qos: 1 });
    assert.equal((await next).payload, "hi");
    assert.ok(isUp(c));
  } finally {
    await end(c);
    await broker.close();
  }
});

Deno.test("a client.unsubscribe result that is not a list is the plugin's fault: counted, the request kept as sent, the client stays", async () => {
  const broker = await startLoggedBroker(YAML);
  const c = await connect(broker.url, { clientId: "u", protocolVersion: 5 });
  try {
    await subscribe(c, ["bad/unsub", "bad"], { qos: 0 });
    const unsuback = await c.unsubscribeAsync(["bad/unsub", "bad"]);
    const codes = (unsuback as { granted?: number[] } | undefined)?.granted;
    // A string is not matched as a substring: the chain keeps the filters as sent (chain.ts).
    assert.deepEqual(codes, [0, 0]);
    assert.ok(broker.plugins!.status()[0].metrics.errors >= 1, "the bad result is counted");
    await subscribe(c, "ok/u");
    const next = nextMessage(c);
    await c.publishAsync("ok/u", "still served");
    assert.equal((await next).payload, "still served");
    assert.ok(isUp(c));
  } finally {
    await end(c);
    await broker.close();
  }
});
