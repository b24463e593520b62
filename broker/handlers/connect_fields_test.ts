import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IConnectPacket } from "mqtt-packet";
import { checkConnectProperties, checkConnectValues } from "./connect_fields.ts";

/** A v5 CONNECT frame: `properties` hex (after their length), client id "c", then `will` hex. */
function connect(properties: string, will?: string): Uint8Array {
  const bytes = (s: string) => [...Buffer.from(s.replace(/\s/g, ""), "hex")];
  const props = bytes(properties);
  const body = [0, 4, ...Buffer.from("MQTT"), 5, will === undefined ? 0x02 : 0x06, 0, 60];
  body.push(props.length, ...props, 0, 1, 0x63);
  if (will !== undefined) {
    const w = bytes(will);
    body.push(w.length, ...w, 0, 1, 0x74, 0, 0);
  }
  return new Uint8Array([0x10, body.length, ...body]);
}

function codeOf(frame: Uint8Array): number | undefined {
  try {
    checkConnectProperties(frame);
  } catch (err) {
    return (err as { reasonCode: number }).reasonCode;
  }
}

Deno.test("checkConnectProperties() accepts every CONNECT and will property once, User Property many times", () => {
  const all = "1100000005 2100ff 2700001000 220005 1900 1701 150001 61 16000162 260001610001 62" +
    "260001610001 63";
  const will = "1800000005 0101 020000003c 030001 74 080001 72 09000163 260001 6b0001 76";
  assert.equal(codeOf(connect(all, will)), undefined);
  assert.equal(codeOf(connect("")), undefined);
});

Deno.test("checkConnectProperties() refuses a property outside its section as malformed (0x81)", () => {
  for (const props of ["1300 0a", "2a01", "2401", "0b01", "0101", "1800000005", "00", "ff01"]) {
    assert.equal(codeOf(connect(props.replace(/\s/g, ""))), 0x81, props);
  }
  for (const will of ["1100000005", "2300 01", "1701", "150001 61"]) {
    assert.equal(codeOf(connect("", will.replace(/\s/g, ""))), 0x81, will);
  }
});

Deno.test("checkConnectProperties() refuses repeats, 0/1 values out of range, zero limits and lone Authentication Data (0x82)", () => {
  const cases = [
    "1100000005 1100000005",
    "1701 1700",
    "1702",
    "1980",
    "210000",
    "2700000000",
    "16000162",
  ];
  for (const props of cases) assert.equal(codeOf(connect(props)), 0x82, props);
  assert.equal(codeOf(connect("", "0102")), 0x82);
  assert.equal(codeOf(connect("", "1800000005 1800000005")), 0x82);
});

Deno.test("checkConnectProperties() refuses a value cut by its property length or by the packet (0x81)", () => {
  assert.equal(codeOf(connect("11000000")), 0x81);
  assert.equal(codeOf(connect("150005 6162")), 0x81);
  assert.equal(codeOf(connect("260001 61 0005 62")), 0x81);
  assert.equal(codeOf(connect("", "0300")), 0x81);
  const cut = connect("1100000005").subarray(0, 14);
  assert.equal(codeOf(cut), 0x81, "a CONNECT cut inside its properties");
});

Deno.test("checkConnectProperties() leaves other protocol levels to the codec", () => {
  const v4 = new Uint8Array([0x10, 0x0d, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x63]);
  assert.equal(codeOf(v4), undefined);
});

Deno.test("checkConnectValues() refuses null or non-numeric values and repeats the decoder let through", () => {
  const base: IConnectPacket = { cmd: "connect", clientId: "c", protocolVersion: 5 };
  const codeFor = (packet: IConnectPacket) => {
    try {
      checkConnectValues(packet);
    } catch (err) {
      return (err as { reasonCode: number }).reasonCode;
    }
  };
  assert.equal(codeFor({ ...base, properties: { sessionExpiryInterval: 10 } }), undefined);
  assert.equal(codeFor({ ...base, properties: { sessionExpiryInterval: null as never } }), 0x81);
  assert.equal(codeFor({ ...base, properties: { sessionExpiryInterval: -1 } }), 0x81);
  assert.equal(codeFor({ ...base, properties: { sessionExpiryInterval: NaN } }), 0x81);
  assert.equal(codeFor({ ...base, properties: { receiveMaximum: [1, 2] as never } }), 0x82);
  const will = { topic: "t", payload: Buffer.from(""), qos: 0 as const, retain: false };
  assert.equal(
    codeFor({ ...base, will: { ...will, properties: { contentType: null as never } } }),
    0x81,
  );
  assert.equal(
    codeFor({ ...base, properties: { userProperties: { a: ["1", "2"] } } }),
    undefined,
  );
});
