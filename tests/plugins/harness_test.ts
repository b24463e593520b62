import assert from "node:assert/strict";
import { startPluginHarness } from "../../server/testing.ts";

const TALLY = new URL("./fixtures/tally.ts", import.meta.url);

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`harness (${isolation}): reads what the plugin stored, logged and let through`, async () => {
    const h = await startPluginHarness({ module: TALLY, isolation });
    try {
      const c = await h.connect();
      for (let i = 0; i < 3; i++) await c.publishAsync("a/b", `${i}`, { qos: 1 });
      await c.publishAsync("c", "x", { qos: 1 });
      await h.waitFor(() => h.logs.filter((l) => l.msg === "tallied").length === 4, "4 tallies");
      assert.equal(await h.store.get("count/a/b"), 3);
      assert.deepEqual((await h.store.list("count/")).sort(), ["count/a/b", "count/c"]);
      assert.equal(await h.store.get("missing"), undefined);
      await h.waitFor(() => h.messages.filter((m) => m.topic === "a/b").length === 3, "messages");
      assert.deepEqual(h.messages.filter((m) => m.topic === "a/b").map((m) => m.payload), [
        "0",
        "1",
        "2",
      ]);
    } finally {
      await h.close();
    }
  });
}
