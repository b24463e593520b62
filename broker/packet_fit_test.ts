import assert from "node:assert/strict";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { fitPacket, leanerVariants } from "./packet_fit.ts";

Deno.test("leanerVariants() leaves out reason string and user properties, then defaults, then a CONNACK's Topic Alias Maximum and announced limits", () => {
  const connack: IConnackPacket = {
    cmd: "connack",
    sessionPresent: false,
    reasonCode: 0,
    properties: {
      reasonString: "hello",
      userProperties: { a: "b" },
      receiveMaximum: 65535,
      topicAliasMaximum: 10,
      maximumPacketSize: 1024,
      assignedClientIdentifier: "auto-1",
      sharedSubscriptionAvailable: true,
      retainAvailable: false,
    },
  };
  const keys = leanerVariants(connack).map((p) => Object.keys(p.properties!).sort().join(","));
  assert.deepEqual(keys, [
    "assignedClientIdentifier,maximumPacketSize,receiveMaximum,retainAvailable,sharedSubscriptionAvailable,topicAliasMaximum",
    "assignedClientIdentifier,maximumPacketSize,retainAvailable,topicAliasMaximum",
    "assignedClientIdentifier,maximumPacketSize,retainAvailable",
    "assignedClientIdentifier,retainAvailable",
    "assignedClientIdentifier",
  ]);
  assert.equal(Object.keys(connack.properties!).length, 8, "the packet itself is unchanged");
});

Deno.test("leanerVariants() skips steps that leave nothing out and never touches a PUBLISH", () => {
  const disconnect = {
    cmd: "disconnect" as const,
    reasonCode: 0x82,
    properties: { reasonString: "r" },
  };
  assert.deepEqual(leanerVariants(disconnect), [{ ...disconnect, properties: {} }]);
  assert.deepEqual(leanerVariants({ cmd: "pingresp" }), []);
  const publish: IPublishPacket = {
    cmd: "publish",
    topic: "t",
    payload: Buffer.from("x"),
    qos: 0,
    retain: false,
    dup: false,
    properties: { userProperties: { a: "b" } },
  };
  assert.deepEqual(leanerVariants(publish), []);
});

Deno.test("leanerVariants() keeps a Topic Alias Maximum outside a CONNACK", () => {
  const odd = { cmd: "auth" as const, reasonCode: 0x18, properties: { topicAliasMaximum: 3 } };
  assert.deepEqual(leanerVariants(odd as never), []);
});

Deno.test("leanerVariants() never leaves out a CONNACK's Assigned Client Identifier or Server Keep Alive", () => {
  const connack: IConnackPacket = {
    cmd: "connack",
    sessionPresent: false,
    reasonCode: 0,
    properties: {
      assignedClientIdentifier: "auto-1",
      serverKeepAlive: 60,
      sessionExpiryInterval: 5,
      receiveMaximum: 10,
    },
  };
  const leanest = leanerVariants(connack).at(-1)!;
  assert.deepEqual(leanest.properties, { assignedClientIdentifier: "auto-1", serverKeepAlive: 60 });
});

Deno.test("fitPacket() returns the first variant within the size, with its bytes, or undefined", () => {
  const connack: IConnackPacket = {
    cmd: "connack",
    sessionPresent: false,
    reasonCode: 0,
    properties: { reasonString: "hi", receiveMaximum: 10, maximumPacketSize: 1024 },
  };
  const whole = fitPacket(connack, 5, 100)!;
  assert.equal(whole.packet, connack, "the packet itself when it fits");
  assert.equal(whole.bytes.length, 18);
  const eight = fitPacket(connack, 5, 8)!;
  assert.deepEqual(eight.packet.properties, { receiveMaximum: 10 });
  assert.equal(eight.bytes.toString("hex"), "200600000321000a");
  assert.deepEqual(fitPacket(connack, 5, 5)?.packet.properties, {});
  assert.equal(fitPacket(connack, 5, 4), undefined);
  assert.equal(fitPacket({ cmd: "pingresp" }, 4, 1), undefined);
});
