import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type Harness, harness, type Peer } from "./_test_helpers.ts";

/** A subscriber at `qos` and one message on its way to it. */
async function delivering(h: Harness, qos: 1 | 2): Promise<{ sub: Peer; id: number }> {
  const sub = await h.connect({ protocolVersion: 5, clientId: "sub" });
  await sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "t", qos }] });
  await sub.expect("suback");
  await h.broker.publish({
    topic: "t",
    payload: Buffer.from("x"),
    qos,
    retain: false,
    properties: {},
  });
  const publish = await sub.expect("publish");
  return { sub, id: publish.messageId! };
}

Deno.test("handlePuback() completes an outbound QoS 1 message (spec 4.3.2)", async () => {
  const h = harness();
  const { sub, id } = await delivering(h, 1);
  const session = h.broker.sessions.get("sub")!;
  assert.equal(session.inflight.size, 1);
  await sub.send({ cmd: "puback", messageId: id });
  await sub.send({ cmd: "pingreq" });
  await sub.expect("pingresp");
  assert.equal(session.inflight.size, 0);
  await h.close();
});

Deno.test("handlePubrec() answers PUBREL, and handlePubcomp() completes the QoS 2 message (spec 4.3.3)", async () => {
  const h = harness();
  const { sub, id } = await delivering(h, 2);
  await sub.send({ cmd: "pubrec", messageId: id });
  assert.equal((await sub.expect("pubrel")).messageId, id);
  await sub.send({ cmd: "pubcomp", messageId: id });
  await sub.send({ cmd: "pingreq" });
  await sub.expect("pingresp");
  assert.equal(h.broker.sessions.get("sub")!.inflight.size, 0);
  await h.close();
});

Deno.test("handlePubcomp() for a message that waits for PUBREC is a protocol error (0x82) [MQTT-4.8.0-1]", async () => {
  const h = harness();
  const { sub, id } = await delivering(h, 2);
  await sub.send({ cmd: "pubcomp", messageId: id });
  assert.equal((await sub.expect("disconnect")).reasonCode, 0x82);
  assert.equal(h.broker.sessions.get("sub")?.inflight.size ?? 1, 1, "never completed by it");
  await h.close();
});

Deno.test("handlePubrel() answers PUBCOMP 0x92 for a packet id it does not know and stays connected (spec 3.7.2.1)", async () => {
  const h = harness();
  const peer = await h.connect({ protocolVersion: 5, clientId: "rel" });
  await peer.send({ cmd: "pubrel", messageId: 42 });
  const pubcomp = await peer.expect("pubcomp");
  assert.deepEqual([pubcomp.messageId, pubcomp.reasonCode], [42, 0x92]);
  await peer.send({ cmd: "pingreq" });
  await peer.expect("pingresp");
  await h.close();
});
