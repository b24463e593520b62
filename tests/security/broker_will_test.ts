/**
 * Issue 9, item 7: a will goes through the same guards as a PUBLISH, at CONNECT time: a will on
 * `$SYS/...` is refused (v5 CONNACK 0x90 Topic Name invalid, v3.1.1 return code 5), a will on a
 * topic the client's ACL denies is refused (v5 0x87, v3.1.1 return code 5), so neither can
 * overwrite a retained broker value nor reach a subscriber.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IClientOptions, MqttClient } from "mqtt";
import { collect, connect, delay, end, subscribe, waitFor } from "../helpers.ts";
import { rawConnect } from "../conformance/_raw.ts";
import { isUp, startLoggedBroker } from "./broker_helpers.ts";

const ACL = `
auth: {allow_anonymous: true}
topic_check: {enable: true, plugins: [acl]}
plugins:
  acl:
    source: topic_acl
    config:
      publish-acl: {anonymous: ["public/#"]}
`;

/** Kills the client's socket without a DISCONNECT, so that its will is due. */
async function crash(client: MqttClient): Promise<void> {
  client.stream.destroy();
  await end(client, true);
}

function will(topic: string): IClientOptions["will"] {
  return { topic, payload: "pwned", qos: 1, retain: true };
}

/** v5 CONNECT with a will on `topic`; returns the CONNACK reason code. */
async function v5WillConnack(port: number, topic: string): Promise<number | undefined> {
  const { client, connack } = await rawConnect(port, {
    protocolVersion: 5,
    clientId: "v5-will",
    will: { topic, payload: Buffer.from("pwned"), qos: 1, retain: true },
  });
  await client.close();
  return connack.reasonCode;
}

Deno.test("a will on $SYS/broker/version is refused at CONNECT: v5 0x90, v3.1.1 return code 5 (MQTT-4.7.2-1)", async () => {
  const broker = await startLoggedBroker(ACL);
  const watcher = await connect(broker.url, { clientId: "watcher" });
  try {
    await subscribe(watcher, ["$SYS/#", "public/#"], { qos: 1 });
    const got = collect(watcher);
    await assert.rejects(
      connect(broker.url, { clientId: "v4-sys", will: will("$SYS/broker/version") }),
      /Not authorized/i,
    );
    assert.equal(await v5WillConnack(broker.port, "$SYS/broker/version"), 0x90);
    // The broker keeps serving: an allowed will still works, and nothing reached $SYS.
    const ok = await connect(broker.url, { clientId: "ok", will: will("public/will") });
    await crash(ok);
    await waitFor(() => got.some((m) => m.topic === "public/will"), "the allowed will");
    assert.deepEqual(got.map((m) => m.topic), ["public/will"]);
    assert.equal(broker.broker.retained.get("$SYS/broker/version"), undefined);
    assert.ok(isUp(watcher));
  } finally {
    await end(watcher);
    await broker.close();
  }
});

Deno.test("a will on a topic the ACL denies is refused at CONNECT: v5 0x87, v3.1.1 return code 5 (MQTT-3.1.2-11)", async () => {
  const broker = await startLoggedBroker(ACL);
  const watcher = await connect(broker.url, { clientId: "watcher" });
  try {
    await subscribe(watcher, "#", { qos: 1 });
    const got = collect(watcher);
    await assert.rejects(
      connect(broker.url, { clientId: "v4-secret", will: will("secret/x") }),
      /Not authorized/i,
    );
    assert.equal(await v5WillConnack(broker.port, "secret/x"), 0x87);
    await delay(100);
    assert.equal(got.length, 0, "no will delivered");
    assert.equal(broker.broker.retained.get("secret/x"), undefined, "no will retained");
    const ok = await connect(broker.url, { clientId: "ok", will: will("public/fine") });
    await crash(ok);
    await waitFor(() => got.length === 1, "the allowed will");
    assert.equal(got[0].topic, "public/fine");
    assert.ok(isUp(watcher));
  } finally {
    await end(watcher);
    await broker.close();
  }
});
