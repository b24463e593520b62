import assert from "node:assert/strict";
import { MqttError, ParseError } from "./errors.ts";
import { Framer } from "./framer.ts";

Deno.test("Framer.push() reassembles packets split across chunks and splits coalesced ones", () => {
  const framer = new Framer(1024);
  const out: number[][] = [];
  const bytes = [0x30, 0x05, 0x00, 0x01, 0x61, 0x68, 0x69, 0xc0, 0x00];
  for (const b of bytes) framer.push(new Uint8Array([b]), (p) => out.push([...p]));
  framer.push(new Uint8Array(bytes), (p) => out.push([...p]));
  assert.deepEqual(out, [bytes.slice(0, 7), [0xc0, 0x00], bytes.slice(0, 7), [0xc0, 0x00]]);
});

Deno.test("Framer.push() refuses a packet over the maximum size from its header (0x95)", () => {
  const framer = new Framer(100);
  assert.throws(
    () => framer.push(new Uint8Array([0x30, 0xff, 0x01]), () => {}),
    (e) => e instanceof MqttError && e.reasonCode === 0x95,
  );
});

Deno.test("Framer.push() treats a five-byte remaining length as malformed", () => {
  const framer = new Framer(Number.MAX_SAFE_INTEGER);
  assert.throws(
    () => framer.push(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), () => {}),
    ParseError,
  );
});

Deno.test("Framer.push() hands over the whole packets before a framing error, then throws", () => {
  const framer = new Framer(100);
  const out: number[][] = [];
  const pingreq = [0xc0, 0x00];
  const puback = [0x40, 0x02, 0x00, 0x01];
  assert.throws(
    () =>
      framer.push(
        new Uint8Array([...pingreq, ...puback, 0x30, 0xff, 0xff, 0xff, 0xff]),
        (p) => out.push([...p]),
      ),
    ParseError,
  );
  assert.deepEqual(out, [pingreq, puback]);
  out.length = 0;
  const oversized = new Framer(100);
  assert.throws(
    () => oversized.push(new Uint8Array([...puback, 0x30, 0xff, 0x01]), (p) => out.push([...p])),
    (e) => e instanceof MqttError && e.reasonCode === 0x95,
  );
  assert.deepEqual(out, [puback]);
});
