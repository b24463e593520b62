/**
 * Issue 9, item 8: `mqtt.connect_timeout_ms` counts from accept. A slow-loris socket that sends
 * one byte of a CONNECT every 300 ms is closed at the deadline, not kept open by each byte; a
 * real client connecting meanwhile is served.
 */
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { connect, end, nextMessage, startTestBroker, subscribe } from "../helpers.ts";
import { isUp } from "./broker_helpers.ts";

/**
 * Writes `bytes` one at a time every `everyMs` until the broker closes the socket; returns how
 * long it stayed open (the socket is closed by us 2 s after the last byte at the latest).
 */
async function dribble(conn: Deno.TcpConn, bytes: Uint8Array, everyMs: number): Promise<number> {
  const started = Date.now();
  const closed = (async () => {
    const buf = new Uint8Array(64);
    try {
      while (await conn.read(buf) !== null) { /* nothing is expected */ }
    } catch { /* reset */ }
  })();
  let gone = false;
  closed.then(() => gone = true);
  for (let i = 0; i < bytes.length && !gone; i++) {
    try {
      await conn.write(bytes.subarray(i, i + 1));
    } catch {
      break;
    }
    let tick: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise((r) => tick = setTimeout(r, everyMs))]);
    clearTimeout(tick);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closed, new Promise((r) => timer = setTimeout(r, 2000))]);
  clearTimeout(timer);
  const took = Date.now() - started;
  if (!gone) conn.close();
  await closed;
  return took;
}

Deno.test("connect_timeout_ms counts from accept: 1 byte every 300 ms does not keep a socket open (MQTT-3.1.4)", async () => {
  const broker = await startTestBroker("mqtt: {connect_timeout_ms: 1000}");
  const c = await connect(broker.url, { clientId: "real" });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
  try {
    const connectPacket = mqttPacket.generate({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clientId: "slow-loris-" + "x".repeat(40),
      clean: true,
      keepalive: 0,
    });
    // 60-odd bytes at 300 ms each would take ~20 s if every byte reset the timer.
    const alive = await dribble(conn, connectPacket, 300);
    assert.ok(alive >= 900 && alive < 2500, `closed after ${alive} ms`);
    await subscribe(c, "t");
    const next = nextMessage(c);
    await c.publishAsync("t", "served", { qos: 1 });
    assert.equal((await next).payload, "served");
    assert.ok(isUp(c));
  } finally {
    try {
      conn.close();
    } catch { /* closed by dribble() */ }
    await end(c);
    await broker.close();
  }
});
