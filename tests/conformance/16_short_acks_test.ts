/**
 * Acknowledgements in their shortest legal encoding, checked byte for byte on the wire: a v5
 * PUBACK, PUBREC, PUBREL or PUBCOMP with reason 0 and no properties has a 2-byte variable header,
 * with another reason code and no properties 3 bytes (spec 3.4.2.1); a DISCONNECT without
 * properties has no property length either (spec 3.14.2.1).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { frame, utf8Field } from "./_raw.ts";
import { uniqueId, withBroker } from "./_util.ts";

const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");

/** A raw socket that reads bytes, not packets: the encoding itself is under test. */
class ByteClient {
  #conn: Deno.TcpConn;
  #got = new Uint8Array(0);

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async connect(port: number, clientId: string, v5Props: number[] = []) {
    const raw = new ByteClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    const props = [v5Props.length, ...v5Props];
    await raw.write(
      frame(
        0x10,
        new Uint8Array([...utf8Field("MQTT"), 5, 2, 0, 0, ...props, ...utf8Field(clientId)]),
      ),
    );
    assert.match(await raw.packet(), /^20/);
    return raw;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += await this.#conn.write(bytes.subarray(done));
  }

  /** The next `n` bytes received. */
  async read(n: number): Promise<Uint8Array> {
    const buf = new Uint8Array(4096);
    while (this.#got.length < n) {
      const got = await this.#conn.read(buf);
      if (got === null) throw new Error(`Closed after ${this.#got.length} of ${n} bytes`);
      this.#got = new Uint8Array([...this.#got, ...buf.subarray(0, got)]);
    }
    const out = this.#got.slice(0, n);
    this.#got = this.#got.slice(n);
    return out;
  }

  /** Reads one whole packet (Remaining Length below 128) and returns it as hex. */
  async packet(): Promise<string> {
    const head = await this.read(2);
    assert.ok(head[1] < 128, "short packet");
    const body = await this.read(head[1]);
    return Buffer.from([...head, ...body]).toString("hex");
  }

  close(): void {
    this.#conn.close();
  }
}

const publish = (first: number, topic: string, id: number) =>
  frame(first, new Uint8Array([...utf8Field(topic), id >> 8, id & 0xff, 0, 0x78]));

Deno.test("v5 PUBACK: reason 0 without properties is 4 bytes, 0x10 is 5 bytes (spec 3.4.2.1)", async () => {
  await withBroker("", async ({ port }) => {
    const sub = await ByteClient.connect(port, uniqueId("sub"));
    await sub.write(frame(0x82, new Uint8Array([0, 1, 0, ...utf8Field("short/a"), 0])));
    assert.equal(await sub.packet(), "900400010000");
    const pub = await ByteClient.connect(port, uniqueId("pub"));
    await pub.write(publish(0x32, "short/a", 0x1234));
    assert.equal(await pub.packet(), "40021234");
    await pub.write(publish(0x32, "short/nobody", 0x1235));
    assert.equal(await pub.packet(), "4003123510");
    pub.close();
    sub.close();
  });
});

Deno.test("v5 PUBREC, PUBCOMP 0 and 0x92 are 4 and 5 bytes (spec 3.5.2.1, 3.7.2.1)", async () => {
  await withBroker("", async ({ port }) => {
    const pub = await ByteClient.connect(port, uniqueId("pub"));
    await pub.write(publish(0x34, "short/nobody", 7));
    assert.equal(await pub.packet(), "5003000710");
    await pub.write(hex("6202 0007"));
    assert.equal(await pub.packet(), "70020007");
    await pub.write(hex("6202 0008"));
    assert.equal(await pub.packet(), "7003000892");
    pub.close();
  });
});

Deno.test("v5 PUBREL from the broker without properties is 4 bytes (spec 3.6.2.1)", async () => {
  await withBroker("", async ({ port }) => {
    const sub = await ByteClient.connect(port, uniqueId("sub"));
    await sub.write(frame(0x82, new Uint8Array([0, 1, 0, ...utf8Field("short/q2"), 2])));
    assert.equal(await sub.packet(), "900400010002");
    const pub = await ByteClient.connect(port, uniqueId("pub"));
    await pub.write(publish(0x34, "short/q2", 1));
    assert.equal(await pub.packet(), "50020001");
    const delivered = await sub.packet();
    const id = delivered.slice(-8, -4); // topic, packet id, property length 0, payload "x"
    assert.equal(delivered, `340e0008${Buffer.from("short/q2").toString("hex")}${id}0078`);
    await sub.write(hex(`5002${id}`));
    assert.equal(await sub.packet(), `6202${id}`);
    pub.close();
    sub.close();
  });
});

Deno.test("v5 DISCONNECT without properties has no property length (spec 3.14.2.1)", async () => {
  await withBroker("", async ({ port }) => {
    const clientId = uniqueId("taken");
    const noProblemInfo = [0x17, 0]; // Request Problem Information 0: no reason string
    const first = await ByteClient.connect(port, clientId, noProblemInfo);
    const second = await ByteClient.connect(port, clientId);
    assert.equal(await first.packet(), "e0018e");
    first.close();
    second.close();
  });
});
