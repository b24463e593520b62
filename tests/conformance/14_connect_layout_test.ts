/**
 * The layout of a CONNECT (spec 3.1): its flags say which payload fields follow, and the payload
 * holds exactly those. A CONNECT that does not match is malformed [MQTT-3.1.4-1]: v3.1.1 closes
 * without CONNACK, v5 may answer CONNACK 0x81 first (spec 4.13) and does.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IConnackPacket, IDisconnectPacket } from "mqtt-packet";
import { frame, type ProtocolVersion, rawConnect, rawOpen, utf8Field } from "./_raw.ts";
import { withBroker } from "./_util.ts";

type Bytes = Iterable<number>;
const cat = (...parts: Bytes[]) => new Uint8Array(parts.flatMap((p) => [...p]));

/** A CONNECT of `level` with `flags`, keep alive 60, no CONNECT properties, then `fields`. */
function connectBytes(level: ProtocolVersion, flags: number, ...fields: Bytes[]): Uint8Array {
  const name = utf8Field(level === 3 ? "MQIsdp" : "MQTT");
  return frame(0x10, cat(name, [level, flags, 0, 60], level === 5 ? [0] : [], ...fields));
}

const id = utf8Field("layout");
const will = (
  level: ProtocolVersion,
) => [...(level === 5 ? [0] : []), ...utf8Field("w/t"), 0, 1, 0x78];

/** Sends `bytes` as the first packet; expects v3: a close without CONNACK, v5: CONNACK 0x81. */
async function refusedAsMalformed(port: number, level: ProtocolVersion, bytes: Uint8Array) {
  const raw = await rawOpen(port, { protocolVersion: level });
  await raw.sendBytes(bytes);
  if (level === 5) {
    assert.equal((await raw.next<IConnackPacket>("connack")).reasonCode, 0x81);
  }
  await raw.closed();
  assert.deepEqual(raw.received, [], `nothing else for ${Buffer.from(bytes).toString("hex")}`);
  await raw.close();
}

/** Sends `bytes` as the first packet and expects a successful CONNACK. */
async function accepted(port: number, level: ProtocolVersion, bytes: Uint8Array) {
  const raw = await rawOpen(port, { protocolVersion: level });
  await raw.sendBytes(bytes);
  const connack = await raw.next<IConnackPacket>("connack");
  assert.equal(level === 5 ? connack.reasonCode : connack.returnCode, 0);
  await raw.close();
}

Deno.test("A user name without its flag is malformed: closed without CONNACK [MQTT-3.1.2-18] [MQTT-3.1.4-1]", async () => {
  await withBroker("", async ({ port }) => {
    await refusedAsMalformed(
      port,
      4,
      Buffer.from(
        "102400044d5154540402000a0012636f6e6e6563742d756e616d652d74657374000475736572",
        "hex",
      ),
    );
  });
});

Deno.test("Bytes after the last payload field are malformed: v3.1.1 close, v5 CONNACK 0x81 [MQTT-3.1.4-1]", async () => {
  await withBroker("", async ({ port }) => {
    for (const level of [3, 4, 5] as const) {
      await refusedAsMalformed(port, level, connectBytes(level, 0x02, id, [0]));
      await refusedAsMalformed(port, level, connectBytes(level, 0x82, id, utf8Field("u"), [1]));
      await refusedAsMalformed(port, level, connectBytes(level, 0x06, id, will(level), [0, 0]));
      const both = [...utf8Field("u"), ...utf8Field("p")];
      await refusedAsMalformed(port, level, connectBytes(level, 0xc2, id, both, [7]));
    }
  });
});

Deno.test("A flag whose field is missing is malformed: v3.1.1 close, v5 CONNACK 0x81 [MQTT-3.1.2-19] [MQTT-3.1.2-21] [MQTT-3.1.4-1]", async () => {
  await withBroker("", async ({ port }) => {
    for (const level of [4, 5] as const) {
      await refusedAsMalformed(port, level, connectBytes(level, 0x82, id));
      await refusedAsMalformed(port, level, connectBytes(level, 0xc2, id, utf8Field("u")));
      await refusedAsMalformed(port, level, connectBytes(level, 0x06, id));
    }
  });
});

Deno.test("A password without a user name is malformed on 3.1 and 3.1.1 [MQTT-3.1.2-22] [MQTT-3.1.4-1]", async () => {
  await withBroker("", async ({ port }) => {
    for (const level of [3, 4] as const) {
      await refusedAsMalformed(port, level, connectBytes(level, 0x42, id, utf8Field("p")));
    }
  });
});

Deno.test("v5 allows a password without a user name (spec 3.1.2.9)", async () => {
  await withBroker("", async ({ port }) => {
    await accepted(port, 5, connectBytes(5, 0x42, id, utf8Field("secret")));
  });
});

Deno.test("The reserved CONNECT flag set is malformed: v5 CONNACK 0x81 [MQTT-3.1.2-3]", async () => {
  await withBroker("", async ({ port }) => {
    await refusedAsMalformed(port, 5, connectBytes(5, 0x03, id));
  });
});

Deno.test("Will QoS or Will Retain without the Will Flag is malformed [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15]", async () => {
  await withBroker("", async ({ port }) => {
    for (const level of [4, 5] as const) {
      for (const flags of [0x0a, 0x12, 0x22, 0x32]) {
        await refusedAsMalformed(port, level, connectBytes(level, flags, id));
      }
    }
  });
});

Deno.test("Will QoS 3 is malformed: v3.1.1 close, v5 CONNACK 0x81 [MQTT-3.1.2-14] (v5 [MQTT-3.1.2-12])", async () => {
  await withBroker("", async ({ port }) => {
    for (const level of [4, 5] as const) {
      await refusedAsMalformed(port, level, connectBytes(level, 0x1e, id, will(level)));
    }
  });
});

Deno.test("A CONNECT whose every flag matches its payload is accepted (spec 3.1.2.3)", async () => {
  await withBroker("", async ({ port }) => {
    for (const level of [3, 4, 5] as const) {
      const all = [...will(level), ...utf8Field("u"), ...utf8Field("p")];
      await accepted(port, level, connectBytes(level, 0xf6, id, all)); // user, password, will QoS 2 retained
      await accepted(port, level, connectBytes(level, 0x02, id));
    }
  });
});

Deno.test("A malformed second CONNECT gets v5 DISCONNECT 0x81, never a second CONNACK [MQTT-3.1.0-2]", async () => {
  await withBroker("", async ({ port }) => {
    const { client } = await rawConnect(port, { protocolVersion: 5, clientId: "first" });
    await client.sendBytes(connectBytes(5, 0x02, id, [0]));
    assert.equal((await client.next<IDisconnectPacket>("disconnect")).reasonCode, 0x81);
    await client.closed();
    assert.deepEqual(client.received, []);
    await client.close();
  });
});

Deno.test("v5 CONNECT with Receive Maximum or Maximum Packet Size 0 gets CONNACK 0x82 (spec 3.1.2.11.3, 3.1.2.11.4)", async () => {
  await withBroker("", async ({ port }) => {
    for (const property of [[0x21, 0, 0], [0x27, 0, 0, 0, 0]]) {
      const raw = await rawOpen(port, { protocolVersion: 5 });
      const body = cat(utf8Field("MQTT"), [5, 0x02, 0, 60, property.length], property, id);
      await raw.sendBytes(frame(0x10, body));
      assert.equal((await raw.next<IConnackPacket>("connack")).reasonCode, 0x82);
      await raw.closed();
      await raw.close();
    }
  });
});
