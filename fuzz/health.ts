/**
 * The healthy client: on a separate connection, CONNECT, SUBSCRIBE, PUBLISH QoS 1 to itself and
 * receive it back, within a deadline. Run every N inputs to prove the broker still serves.
 *
 * @module
 */
import { encode, type Version } from "./generate.ts";
import type { Target } from "./target.ts";
import type { Packet } from "mqtt-packet";
import { Buffer } from "node:buffer";

const CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBACK = 9;

/** Returns null when served, or what went wrong. */
export async function checkServed(target: Target, n: number, ms: number): Promise<string | null> {
  const version: Version = n % 2 === 0 ? 4 : 5;
  const nonce = Buffer.from(`health-${n}`);
  const topic = `fz-health/${n % 4}`;
  const packets = [
    {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: version,
      clientId: `fz-health-${n % 4}`,
      clean: true,
      keepalive: 0,
    },
    { cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos: 1 }] },
    { cmd: "publish", topic, payload: nonce, qos: 1, messageId: 2, dup: false, retain: false },
  ] as Packet[]; // deno-fmt-ignore
  const wire = await target.open();
  try {
    for (const p of packets) await wire.write(encode(p, version)!);
    const got = () =>
      wire.packets.some((p) => p.bytes[0] >> 4 === PUBLISH && Buffer.from(p.bytes).includes(nonce));
    const served = await wire.until(() => got() && wire.count(PUBACK) > 0, ms);
    const connack = wire.packets.find((p) => p.bytes[0] >> 4 === CONNACK);
    if (!connack) return "no CONNACK";
    if (connack.bytes[3] !== 0) return `CONNACK refused 0x${connack.bytes[3].toString(16)}`;
    if (!wire.count(SUBACK)) return "no SUBACK";
    if (!served || !got()) {
      return wire.closed ? "closed before the round trip" : `no round trip in ${ms} ms`;
    }
    await wire.write(new Uint8Array([0xe0, 0]));
    return null;
  } finally {
    wire.close();
    await wire.done;
  }
}
