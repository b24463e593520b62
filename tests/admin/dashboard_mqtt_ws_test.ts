// The topic tester's MQTT client (server/admin/dashboard/mqtt_ws.js, plain browser JavaScript)
// run under Deno's own WebSocket against the broker's real WebSocket listener, with MQTT.js on
// the other side; and its packet framing against mqtt-packet's parser, split at every byte.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket from "mqtt-packet";
import {
  connectPacket,
  MqttWs,
  publishPacket,
  splitPackets,
} from "../../server/admin/dashboard/mqtt_ws.js";
import { connect, end, nextMessage, waitFor } from "../helpers.ts";
import { type DashboardBroker, startDashboardBroker } from "./_dashboard_broker.ts";

async function withBroker(fn: (b: DashboardBroker) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const b = await startDashboardBroker(`${dir}/data`);
  try {
    await fn(b);
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function parseOne(bytes: Uint8Array): Record<string, unknown> {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: Record<string, unknown>[] = [];
  parser.on("packet", (p) => out.push(p as unknown as Record<string, unknown>));
  parser.on("error", (e: Error) => {
    throw e;
  });
  parser.parse(Buffer.from(bytes));
  assert.equal(out.length, 1);
  return out[0];
}

Deno.test("mqtt_ws.js: CONNECT and PUBLISH (UTF-8 id, 20 kB payload) decode with mqtt-packet", () => {
  const c = parseOne(
    connectPacket({ clientId: "é-id", username: "u", password: "p", keepalive: 30 }),
  );
  assert.deepEqual(
    [c.cmd, c.protocolId, c.protocolVersion, c.clientId, c.username, c.keepalive, c.clean],
    ["connect", "MQTT", 4, "é-id", "u", 30, true],
  );
  assert.equal(Buffer.from(c.password as Uint8Array).toString(), "p");
  const big = "x".repeat(20_000);
  const p = parseOne(publishPacket("a/b", big, { qos: 2, retain: true, id: 7 }));
  assert.deepEqual([p.cmd, p.topic, p.qos, p.retain, p.messageId], ["publish", "a/b", 2, true, 7]);
  assert.equal((p.payload as Uint8Array).length, 20_000);
});

Deno.test("mqtt_ws.js: splitPackets joins packets cut at every byte and splits joined ones", () => {
  const a = publishPacket("t", "x".repeat(300), { qos: 1, id: 1 });
  const b = publishPacket("u", "yz");
  const all = new Uint8Array([...a, ...b]);
  for (let cut = 0; cut <= all.length; cut++) {
    const first = splitPackets(all.subarray(0, cut));
    const rest = new Uint8Array([...first.rest, ...all.subarray(cut)]);
    const second = splitPackets(rest);
    assert.equal(first.packets.length + second.packets.length, 2, `cut at ${cut}`);
    assert.equal(second.rest.length, 0);
  }
  assert.deepEqual(splitPackets(new Uint8Array([0x30])).packets, []);
  assert.deepEqual(splitPackets(new Uint8Array([0x30, 0x80])).packets, []);
});

Deno.test("mqtt_ws.js: over the WebSocket listener, QoS 0/1/2 both ways with MQTT.js", async () => {
  await withBroker(async (b) => {
    const peer = await connect(b.url, { clientId: "peer" });
    const ws = new MqttWs();
    const got: { topic: string; payload: Uint8Array; qos: number }[] = [];
    ws.onMessage = (m) => void got.push(m);
    try {
      await ws.connect(b.ws, { clientId: "deno-tester", keepalive: 30 });
      assert.equal(await ws.subscribe("in/#", 2), 2);
      for (const qos of [0, 1, 2] as const) {
        await peer.publishAsync(`in/${qos}`, `m${qos}`, { qos });
      }
      await waitFor(() => got.length === 3, "three messages in");
      assert.deepEqual(
        got.map((m) => [m.topic, new TextDecoder().decode(m.payload), m.qos]).sort(),
        [["in/0", "m0", 0], ["in/1", "m1", 1], ["in/2", "m2", 2]],
      );
      await peer.subscribeAsync("out/#", { qos: 2 });
      for (const qos of [0, 1, 2]) {
        const next = nextMessage(peer);
        await ws.publish(`out/${qos}`, `from ${qos}`, { qos });
        const msg = await next;
        assert.deepEqual([msg.topic, msg.payload], [`out/${qos}`, `from ${qos}`]);
      }
      await ws.publish("out/kept", "r", { qos: 1, retain: true });
      await waitFor(() => b.broker.retained.size === 1, "retained stored");
    } finally {
      ws.end();
      await waitFor(() => !b.broker.clients.has("deno-tester"), "tester gone");
      await end(peer);
    }
  });
});

Deno.test("mqtt_ws.js: a refused CONNECT rejects with its return code (MQTT-3.1.3-8); a 404 URL rejects", async () => {
  await withBroker(async (b) => {
    const ws = new MqttWs();
    await assert.rejects(() => ws.connect(b.ws, { clientId: "", clean: false }), /return code 2/);
    ws.end();
    const dead = new MqttWs();
    const url = b.ws.replace("/mqtt", "/nope");
    await assert.rejects(() => dead.connect(url, { clientId: "x" }), /Cannot reach|closed/);
    dead.end();
  });
});
