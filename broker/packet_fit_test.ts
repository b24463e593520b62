import assert from "node:assert/strict";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { leanerVariants } from "./packet_fit.ts";

Deno.test("leanerVariants() leaves out reason string and user properties, then defaults, then a CONNACK's Topic Alias Maximum", () => {
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
