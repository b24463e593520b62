// ClusterKvStore (server/cluster/plugin_store.ts), a plugin's ctx.store shared through a real
// NATS JetStream KV bucket: two "nodes" (two NATS connections) see each other's writes, end with
// the same value after racing writes, keep the store limits, ignore malformed bucket values.
import assert from "node:assert/strict";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createLogger } from "../../lib/log.ts";
import { ClusterKvStore } from "../../server/cluster/plugin_store.ts";
import { KvStore } from "../../plugins/host/store.ts";
import { delay } from "../helpers.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await delay(20);
  }
}

Deno.test({
  name: "ClusterKvStore: a plugin store shared by two nodes through NATS KV",
  ignore: !NATS_SERVER,
  fn: async (t) => {
    const nats = await startNats();
    const conns: NatsConnection[] = [];
    const stores: ClusterKvStore[] = [];
    const lines: string[] = [];
    const log = createLogger({ level: "warn", sink: (l) => lines.push(l) });
    const bucket = async (): Promise<KV> => {
      const nc = await connect({ servers: nats.url });
      conns.push(nc);
      return await new Kvm(nc).create("ps_plugin_store", { history: 1 });
    };
    const open = async (alias: string, quotaBytes?: number) => {
      const s = await ClusterKvStore.open(await bucket(), alias, null, { quotaBytes }, log);
      stores.push(s);
      return s;
    };
    try {
      const a = await open("counter");
      const b = await open("counter");
      const other = await open("other");

      await t.step("a write on one node is read on the other; deletes too", async () => {
        await a.set("hits", 1);
        await a.set("ünïcode/key with spaces", { deep: [1, 2] });
        await until(async () => (await b.get("hits")) === 1, "hits on b");
        await until(async () => (await b.list()).length === 2, "both keys on b");
        assert.deepEqual(await b.get("ünïcode/key with spaces"), { deep: [1, 2] });
        assert.deepEqual(await other.list(), [], "another alias sees nothing");
        assert.equal(await b.delete("hits"), true);
        await until(async () => (await a.get("hits")) === undefined, "hits gone on a");
      });

      await t.step("racing writes of one key end with the same value everywhere", async () => {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set("race", i)),
        );
        await until(
          async () => (await a.get("race")) === (await b.get("race")),
          "one value on both",
        );
        await delay(200);
        assert.equal(await a.get("race"), await b.get("race"));
      });

      await t.step("hostile: limits hold and nothing reaches the bucket", async () => {
        const small = await open("tiny", 64);
        await assert.rejects(small.set("big", "x".repeat(200)), RangeError);
        await assert.rejects(small.set("fn", (() => 1) as never), TypeError);
        await assert.rejects(small.set("", 1), TypeError);
        const peer = await open("tiny", 64);
        assert.deepEqual(await peer.list(), []);
      });

      await t.step("hostile: a malformed bucket value is ignored, logged", async () => {
        const kv = await bucket();
        await kv.put(`counter.${btoa("bad")}`, "not json");
        await kv.put("counter.a=b", "1"); // not base64url
        await until(
          () => Promise.resolve(lines.some((l) => /store change ignored/.test(l))),
          "log",
        );
        assert.equal(await a.get("bad"), undefined);
        await a.set("after", true); // still serving
        await until(async () => (await b.get("after")) === true, "after on b");
      });

      await t.step(
        "a node opening later takes the bucket; its local-only keys join it",
        async () => {
          // its own file holds a key written alone and a stale value of a bucket key
          const dir = await Deno.makeTempDir({ prefix: "aviary-ps-" });
          const file = await KvStore.open(`${dir}/store.sqlite`);
          await file.set("alone", "mine");
          await file.set("after", "stale");
          await file.close();
          const c = await ClusterKvStore.open(
            await bucket(),
            "counter",
            `${dir}/store.sqlite`,
            {},
            log,
          );
          stores.push(c);
          assert.equal(await c.get("after"), true, "the bucket wins for its keys");
          await until(async () => (await a.get("alone")) === "mine", "alone on a");
          await c.set("late", 3);
          await until(async () => (await a.get("late")) === 3, "late on a");
          await c.close();
          await Deno.remove(dir, { recursive: true });
        },
      );
    } finally {
      for (const s of stores) await s.close();
      for (const nc of conns) await nc.close();
      await nats.dispose();
    }
  },
});
