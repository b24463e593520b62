/**
 * Packets the broker sends fit the client's v5 Maximum Packet Size [MQTT-3.1.2-24]: what may be
 * left out is left out until the packet fits — Reason String and User Properties first
 * ([MQTT-3.2.2-19] [MQTT-3.2.2-20], [MQTT-3.14.2-3] [MQTT-3.14.2-4]), then properties restating
 * the spec's default, then the CONNACK's Topic Alias Maximum. A CONNACK that still cannot fit is
 * refused with a bare CONNACK 0x95 (Packet too large) and the connection closes: the client is
 * never left connected without its CONNACK.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqttPacket, { type IConnackPacket, type IConnectPacket, type Packet } from "mqtt-packet";
import { framedLength } from "../../broker/codec.ts";
import { withBroker } from "./_util.ts";
import { connectPacket } from "./_raw.ts";

/** A raw v5 connection that records every packet with its size on the wire. */
class SizedClient {
  readonly packets: { packet: Packet; size: number }[] = [];
  closed = false;
  #conn: Deno.TcpConn;
  #loop: Promise<void>;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#loop = this.#read();
  }

  static async connect(port: number, fields: Partial<IConnectPacket>): Promise<SizedClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const client = new SizedClient(conn);
    await client.send(connectPacket({ protocolVersion: 5, clientId: "sized", ...fields }));
    return client;
  }

  async send(packet: Packet): Promise<void> {
    await this.sendRaw(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  async sendRaw(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += await this.#conn.write(bytes.subarray(done));
  }

  /** Waits until `n` packets arrived or the broker closed; rejects after 3 s. */
  async settle(n: number): Promise<void> {
    const until = Date.now() + 3000;
    while (this.packets.length < n && !this.closed) {
      if (Date.now() > until) throw new Error(`Only ${this.packets.length} packets within 3 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch { /* closed by the broker */ }
    await this.#loop;
  }

  async #read(): Promise<void> {
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    let pending: Buffer = Buffer.alloc(0);
    const buf = new Uint8Array(4096);
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        pending = Buffer.concat([pending, buf.subarray(0, n)]);
        pending = this.#take(parser, pending);
      }
    } catch { /* reset or closed by us */ }
    this.closed = true;
  }

  /** Cuts whole packets off `bytes` and records them with their length. */
  #take(parser: ReturnType<typeof mqttPacket.parser>, bytes: Buffer): Buffer {
    let size = framedLength(bytes);
    while (size > 0 && bytes.length >= size) {
      parser.once("packet", (packet: Packet) => this.packets.push({ packet, size }));
      parser.parse(bytes.subarray(0, size));
      bytes = bytes.subarray(size);
      size = framedLength(bytes);
    }
    return bytes;
  }
}

Deno.test("v5 CONNACK over a Maximum Packet Size of 20 leaves out default properties and fits [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port }) => {
    const client = await SizedClient.connect(port, { properties: { maximumPacketSize: 20 } });
    await client.settle(1);
    const [{ packet, size }] = client.packets;
    assert.equal(packet.cmd, "connack");
    assert.ok(size <= 20, `CONNACK of ${size} bytes`);
    const { reasonCode, properties } = packet as IConnackPacket;
    assert.equal(reasonCode, 0);
    assert.equal(properties?.receiveMaximum, 100, "a value that is not the default stays");
    assert.equal(properties?.maximumPacketSize, 1048576, "the broker's own limit stays");
    assert.equal(properties?.wildcardSubscriptionAvailable, undefined, "true is the default");
    await client.send({ cmd: "pingreq" });
    await client.settle(2);
    assert.equal(client.packets[1].packet.cmd, "pingresp");
    await client.close();
  });
});

Deno.test("v5 CONNACK over a Maximum Packet Size of 13 also leaves out Topic Alias Maximum (absent = 0) [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port }) => {
    const client = await SizedClient.connect(port, { properties: { maximumPacketSize: 13 } });
    await client.settle(1);
    const [{ packet, size }] = client.packets;
    assert.equal(packet.cmd, "connack");
    assert.ok(size <= 13, `CONNACK of ${size} bytes`);
    assert.equal((packet as IConnackPacket).properties?.topicAliasMaximum, undefined);
    assert.equal((packet as IConnackPacket).properties?.receiveMaximum, 100);
    await client.close();
  });
});

Deno.test("v5 refusing CONNACK leaves out its Reason String to fit [MQTT-3.2.2-19]", async () => {
  await withBroker("", async ({ port }) => {
    const client = await SizedClient.connect(port, {
      properties: { maximumPacketSize: 20 },
      will: { topic: "will/#", payload: Buffer.from("x"), qos: 0, retain: false },
    });
    await client.settle(1);
    await client.settle(2); // the close
    assert.equal(client.packets.length, 1);
    const { packet, size } = client.packets[0];
    assert.equal((packet as IConnackPacket).reasonCode, 0x90, "will topic not valid");
    assert.ok(size <= 20, `CONNACK of ${size} bytes`);
    assert.equal((packet as IConnackPacket).properties?.reasonString, undefined);
    assert.equal(client.closed, true);
    await client.close();
  });
});

Deno.test("v5 CONNACK that cannot fit (an Assigned Client Identifier) is refused with a bare CONNACK 0x95 and the connection closes; no PINGRESP [MQTT-3.1.2-24]", async () => {
  await withBroker("", async ({ port }) => {
    const client = await SizedClient.connect(port, {
      clientId: "",
      properties: { maximumPacketSize: 20 },
    });
    await client.settle(1);
    await client.send({ cmd: "pingreq" }).catch(() => {});
    await client.settle(1);
    await new Promise((r) => setTimeout(r, 50));
    // Refused with 0x95 (Packet too large) in a bare 5-byte CONNACK, then closed.
    assert.deepEqual(client.packets.map((p) => p.packet.cmd), ["connack"]);
    assert.equal((client.packets[0].packet as IConnackPacket).reasonCode, 0x95);
    assert.equal(client.packets[0].size, 5);
    assert.equal(client.closed, true);
    await client.close();
  });
});

Deno.test("v5 DISCONNECT leaves out its Reason String to fit [MQTT-3.14.2-3]", async () => {
  await withBroker("", async ({ port }) => {
    const client = await SizedClient.connect(port, { properties: { maximumPacketSize: 20 } });
    await client.settle(1);
    // SUBSCRIBE without a filter: a protocol error, whose reason string alone is 30 bytes.
    await client.sendRaw(new Uint8Array([0x82, 0x03, 0x00, 0x01, 0x00]));
    await client.settle(2);
    await client.settle(3); // the close
    const last = client.packets.at(-1)!;
    assert.equal(last.packet.cmd, "disconnect");
    assert.ok(last.size <= 20, `DISCONNECT of ${last.size} bytes`);
    assert.equal((last.packet as { reasonCode?: number }).reasonCode, 0x82);
    assert.equal(client.closed, true);
    await client.close();
  });
});
