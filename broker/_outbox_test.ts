import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IPublishPacket } from "mqtt-packet";
import { systemClock } from "../lib/clock.ts";
import { silentLogger } from "../lib/log.ts";
import { encodePacket } from "./codec.ts";
import { Outbox } from "./_outbox.ts";

/** An outbox whose writes are kept as they are handed to the socket. */
function recording(): { outbox: Outbox; written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  const outbox = new Outbox({
    conn: { write: (b) => Promise.resolve(void written.push(b)) },
    state: "connected",
    log: silentLogger,
    writeFailed: () => {},
  }, { stats: { bytesSent: 0, packetsRefused: 0, tooLargeDropped: 0 }, clock: systemClock });
  return { outbox, written };
}

const publish = (payload: Buffer, fields: Partial<IPublishPacket> = {}): IPublishPacket => ({
  cmd: "publish",
  topic: "a/b",
  payload,
  qos: 0,
  retain: false,
  dup: false,
  ...fields,
});

Deno.test("Outbox.send() encodes a v3.1.1 QoS 0 PUBLISH to many subscribers once and shares its bytes", async () => {
  const payload = Buffer.from("shared");
  const outs = [recording(), recording(), recording()];
  for (const { outbox } of outs) outbox.send(publish(payload), 4, Infinity);
  await Promise.all(outs.map(({ outbox }) => outbox.finish()));
  const [first] = outs[0].written;
  assert.deepEqual([...first], [...encodePacket(publish(payload), 4)]);
  for (const { written } of outs) assert.equal(written[0], first, "the same bytes, not a copy");
});

Deno.test("Outbox.send() does not share the bytes of PUBLISHes that differ: payload, flags, QoS, version, next job", async () => {
  const payload = Buffer.from("p");
  const variants: [IPublishPacket, 3 | 4 | 5][] = [
    [publish(Buffer.from("p")), 4], // equal content, another message
    [publish(payload, { retain: true }), 4],
    [publish(payload, { qos: 1, messageId: 7 }), 4],
    [publish(payload), 5],
    [publish(payload), 3],
    [publish(payload, { topic: "a/c" }), 4],
  ];
  const base = recording();
  base.outbox.send(publish(payload), 4, Infinity);
  const others = variants.map(([packet, version]) => {
    recording().outbox.send(publish(payload), 4, Infinity); // the base is the last one encoded
    const other = recording(); // in the same job
    other.outbox.send(packet, version, Infinity);
    return other;
  });
  await Promise.all([base, ...others].map(({ outbox }) => outbox.finish()));
  variants.forEach(([packet, version], i) => {
    const [bytes] = others[i].written;
    assert.notEqual(bytes, base.written[0]);
    assert.deepEqual([...bytes], [...encodePacket(packet, version)]);
  });
  const later = recording(); // the same message in a later job is encoded afresh
  later.outbox.send(publish(payload), 4, Infinity);
  await later.outbox.finish();
  assert.notEqual(later.written[0], base.written[0]);
});

Deno.test("Outbox.send() does not share bytes over a smaller Maximum Packet Size", async () => {
  const payload = Buffer.alloc(100);
  const big = recording();
  big.outbox.send(publish(payload), 4, Infinity);
  const small = recording();
  assert.equal(small.outbox.send(publish(payload), 4, 50), "too_large");
  await Promise.all([big.outbox.finish(), small.outbox.finish()]);
  assert.equal(small.written.length, 0);
});
