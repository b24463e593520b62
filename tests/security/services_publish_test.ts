/**
 * ctx.publish under attack: a plugin publishing in a tight loop is held to `publish_per_second`
 * (default 1000, burst 1000), is told why, and the broker keeps serving MQTT clients.
 */
import assert from "node:assert/strict";
import { assertPluginRunning, assertServes } from "./broker_helpers.ts";
import { collect, connect, end, nextMessage, startTestBroker, subscribe } from "../helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

for (const isolation of ["process", "worker"]) {
  Deno.test(`security (${isolation}): a plugin publishing in a tight loop is limited to publish_per_second`, async () => {
    const broker = await startTestBroker(`
plugins:
  flooder: {source: "${fixture("services_publish_flood.ts")}", isolation: ${isolation}}
`);
    const sub = await connect(broker.url);
    const watcher = await connect(broker.url);
    try {
      assertPluginRunning(broker);
      await subscribe(sub, "flood/#");
      const flood = collect(sub);
      await subscribe(watcher, "out/flood");
      const report = nextMessage(watcher, 10_000);
      await subscribe(watcher, "cmd/flood"); // starts the attack
      // The broker answers other clients while the flood runs.
      for (let i = 0; i < 5; i++) {
        await assertServes(broker, `during/${i}`);
      }
      const { sent, refused, error } = JSON.parse((await report).payload);
      // One second of flood: at most the burst (1000) plus one second of refill, with slack.
      assert.ok(sent <= 2600, `plugin published ${sent} messages in one second`);
      assert.ok(sent >= 200, `plugin could publish only ${sent}`);
      assert.ok(refused > 0, "no publish was refused");
      assert.match(error, /publish_per_second/);
      assert.ok(flood.length <= sent, `${flood.length} received, ${sent} sent`);
      await assertServes(broker, "after/flood");
    } finally {
      await end(sub);
      await end(watcher);
      await broker.close();
    }
  });
}
