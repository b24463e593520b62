// A plugin's ctx.store is cluster-wide: the same plugin (by alias) on two real nodes, a message
// published on node 1 is tallied in the store, and node 2's copy of the plugin reads the count.
import assert from "node:assert/strict";
import { connect, delay, end, startTestBroker, type TestBroker } from "../helpers.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";

const TALLY = new URL("../plugins/fixtures/tally.ts", import.meta.url).pathname;

function node(name: string, natsUrl: string, dir: string): Promise<TestBroker> {
  return startTestBroker(`data_dir: ${JSON.stringify(dir)}
plugins:
  tally: {source: ${JSON.stringify(TALLY)}, isolation: worker}
cluster: {enable: true, node: ${name}, subject_prefix: pse, nats: {servers: ["${natsUrl}"]}}
`);
}

Deno.test({
  name: "cluster: a plugin's ctx.store written on node 1 is read by the same plugin on node 2",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
    const n1 = await node("s1", nats.url, dirs[0]);
    const n2 = await node("s2", nats.url, dirs[1]);
    const c = await connect(n1.url, { protocolVersion: 5 });
    try {
      for (let i = 0; i < 3; i++) await c.publishAsync("room/1", `${i}`, { qos: 1 });
      const onNode2 = () => n2.plugins!.storeOf("tally")!.get("count/room/1");
      let seen: unknown;
      for (let i = 0; i < 250 && seen !== 3; i++) {
        seen = await onNode2();
        if (seen !== 3) await delay(20);
      }
      assert.equal(seen, 3, "node 2's copy of the plugin reads the count node 1 stored");
      assert.equal(await n1.plugins!.storeOf("tally")!.get("count/room/1"), 3);
    } finally {
      await end(c);
      await n1.close();
      await n2.close();
      await nats.stop();
      for (const d of dirs) await Deno.remove(d, { recursive: true });
    }
  },
});
