// kill -9 at 20 seeded moments while a QoS 1 and a QoS 2 publisher feed a persistent offline
// subscriber: nothing acknowledged is lost [MQTT-4.3.2-2] [MQTT-4.3.3-2], QoS 2 arrives exactly
// once [MQTT-4.3.3-3], the subscription and the retained message survive. A longer run:
// `deno task durability --kills 200 --seed 7`.
import assert from "node:assert/strict";
import { runKills } from "./_kill_run.ts";

Deno.test({
  name: "kill -9: every acknowledged message survives 20 kills, QoS 2 exactly once",
  sanitizeOps: false, // the broker child's stderr reader ends with the process
  fn: async () => {
    const report = await runKills({ kills: 20, seed: 12 });
    assert.ok(report.acked.qos1 > 0 && report.acked.qos2 > 0, JSON.stringify(report.acked));
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.duplicated, []);
    assert.ok(report.retainedBack, "the retained message is back");
  },
});
