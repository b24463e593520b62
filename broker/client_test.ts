import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket, { type Packet } from "mqtt-packet";
import { Broker } from "./broker.ts";
import { parseConfig } from "../server/config/mod.ts";
import { createLogger } from "../lib/log.ts";
import { memoryPair } from "./transport/memory.ts";

/** A broker with one connected v4 client over a memory pair; `lines` holds its log. */
async function connected() {
  const lines: string[] = [];
  const config = parseConfig("auth: {allow_anonymous: true}", "test.yaml");
  const broker = new Broker(config, { log: createLogger({ sink: (l) => lines.push(l) }) });
  const [server, end] = memoryPair();
  const done = broker.accept(server).closed;
  const connect = { cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "c" };
  await end.write(mqttPacket.generate(connect as Packet));
  assert.equal((await end.read())?.[0], 0x20, "CONNACK");
  const client = broker.clients.get("c")!;
  return { broker, client, end, lines, done };
}

Deno.test("Client.send() refuses a packet whose encoding disagrees with its header (a 70 kB topic), logs it, and keeps the connection", async () => {
  const { broker, client, end, lines, done } = await connected();
  const topic = "t/" + "a".repeat(70_000);
  const sent = client.send({
    cmd: "publish",
    topic,
    payload: Buffer.from("x"),
    qos: 0,
    retain: false,
    dup: false,
  });
  assert.equal(sent, false);
  assert.equal(broker.stats.packetsRefused, 1);
  assert.ok(lines.some((l) => l.includes("Outbound packet refused")));
  assert.ok(client.send({ cmd: "pingresp" }), "the next packet goes out");
  assert.deepEqual([...(await end.read())!], [0xd0, 0x00], "and nothing before it");
  end.close();
  await done;
  await broker.close();
});

Deno.test("Client.send() refuses a packet the encoder throws on, instead of throwing", async () => {
  const { broker, client, end, done } = await connected();
  const bad = { cmd: "publish", topic: 42, payload: Buffer.from("x"), qos: 0 } as unknown as Packet;
  assert.equal(client.send(bad), false);
  assert.equal(broker.stats.packetsRefused, 1);
  end.close();
  await done;
  await broker.close();
});

Deno.test("Client.send() leaves out the reason string of a packet over the client's Maximum Packet Size", async () => {
  const { broker, client, end, done } = await connected();
  client.negotiated.protocolVersion = 5;
  client.negotiated.maxPacketSize = 20;
  const sent = client.send({
    cmd: "puback",
    messageId: 1,
    reasonCode: 0x10,
    properties: { reasonString: "no one is subscribed to this topic" },
  });
  assert.equal(sent, true);
  const bytes = (await end.read())!;
  assert.ok(bytes.length <= 20, `${bytes.length} bytes`);
  assert.equal(bytes[0], 0x40, "PUBACK");
  assert.equal(bytes.includes(0x1f), false, "no Reason String property");
  assert.equal(broker.stats.tooLargeDropped, 0);
  end.close();
  await done;
  await broker.close();
});

Deno.test("Client.state: closed is final", async () => {
  const { broker, client, end, done } = await connected();
  client.close();
  client.enter("connected");
  assert.equal(client.state, "closed");
  end.close();
  await done;
  await broker.close();
});
