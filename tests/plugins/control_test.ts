// $CONTROL/<alias>/v1 (Mosquitto's plugin control topics): a request goes to the one plugin it
// names, never to subscribers, and the answer comes back on the Response Topic (MQTT 5, with the
// Correlation Data) or on $CONTROL/<alias>/v1/response.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { MqttClient } from "mqtt";
import { collect, connect, delay, end, nextMessage, startTestBroker, waitFor } from "../helpers.ts";
import { reasonCode } from "../../plugins/builtin/_testing.ts";

const source = new URL("../conformance/_plugins/control_echo.ts", import.meta.url).href;
const yaml = (topicCheck: boolean) =>
  `topic_check: {enable: ${topicCheck}}\nplugins:\n  ctl: {source: "${source}"}\n`;

async function reply(client: MqttClient, topic: string, payload: unknown, props = {}) {
  const got = nextMessage(client);
  await client.publishAsync(topic, JSON.stringify(payload), { qos: 1, properties: props });
  return await got;
}

Deno.test("$CONTROL: a request reaches the plugin it names, never the subscribers; the answer comes on the Response Topic with the Correlation Data, or on /response", async () => {
  const broker = await startTestBroker(yaml(true));
  const admin = await connect(broker.url, { protocolVersion: 5, clientId: "admin" });
  const watcher = await connect(broker.url, { protocolVersion: 5, clientId: "watcher" });
  try {
    await admin.subscribeAsync(["replies/admin", "$CONTROL/+/v1/response"], { qos: 1 });
    await watcher.subscribeAsync("$CONTROL/#", { qos: 1 });
    const seen = collect(watcher);
    const props = { responseTopic: "replies/admin", correlationData: Buffer.from("42") };
    const v5 = await reply(admin, "$CONTROL/ctl/v1", { command: "listClients" }, props);
    assert.equal(v5.topic, "replies/admin");
    assert.deepEqual(JSON.parse(v5.payload), {
      responses: [{ command: "listClients", alias: "ctl", by: "admin" }],
    });
    assert.equal(Buffer.from(v5.packet.properties!.correlationData!).toString(), "42");
    const mosq = await reply(admin, "$CONTROL/ctl/v1", { command: "getDefaultACLAccess" });
    assert.equal(mosq.topic, "$CONTROL/ctl/v1/response");
    assert.equal(JSON.parse(mosq.payload).responses[0].command, "getDefaultACLAccess");
    await waitFor(() => seen.length >= 1, "the /response reply at the watcher");
    await delay(100);
    assert.deepEqual(seen.map((m) => m.topic), ["$CONTROL/ctl/v1/response"]); // no request
    const failed = await reply(admin, "$CONTROL/ctl/v1", { command: "fail" });
    assert.match(JSON.parse(failed.payload).error, /could not answer: error/);
    const nobody = await reply(admin, "$CONTROL/nobody/v1", { command: "x" });
    assert.equal(nobody.topic, "$CONTROL/nobody/v1/response");
    assert.match(JSON.parse(nobody.payload).error, /"nobody" takes no \$CONTROL requests/);
  } finally {
    await end(admin);
    await end(watcher);
    await broker.close();
  }
});

Deno.test("$CONTROL: a client the topic check refuses gets PUBACK 0x87 and no answer; without topic checks every request is refused", async () => {
  const broker = await startTestBroker(yaml(true));
  const intruder = await connect(broker.url, { protocolVersion: 5, clientId: "intruder" });
  const admin = await connect(broker.url, { protocolVersion: 5, clientId: "admin" });
  try {
    await admin.subscribeAsync("$CONTROL/#", { qos: 1 });
    const seen = collect(admin);
    const code = await intruder.publishAsync("$CONTROL/ctl/v1", "{}", { qos: 1 }).then(
      (ack) => reasonCode(ack),
      (err) => err.code, // MQTT.js rejects a PUBACK of 0x80 or above
    );
    assert.equal(code, 0x87);
    await delay(200);
    assert.deepEqual(seen, []); // neither the request nor an answer
  } finally {
    await end(intruder);
    await end(admin);
    await broker.close();
  }
  const open = await startTestBroker(yaml(false));
  const anyone = await connect(open.url, { protocolVersion: 5, clientId: "anyone" });
  try {
    await anyone.subscribeAsync("$CONTROL/+/v1/response", { qos: 1 });
    const refused = await reply(anyone, "$CONTROL/ctl/v1", { command: "listClients" });
    assert.match(JSON.parse(refused.payload).error, /need topic checks/);
  } finally {
    await end(anyone);
    await open.close();
  }
});
