import assert from "node:assert/strict";
import { KvStore, STORE_KEY_MAX_BYTES, STORE_VALUE_MAX_BYTES } from "./store.ts";

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("KvStore.set() refuses to grow past the quota with a RangeError and changes nothing", async () => {
  const s = await KvStore.open(null, { quotaBytes: 100 });
  await s.set("a", "x".repeat(50)); // 1 + 52 bytes
  await assert.rejects(s.set("b", "y".repeat(50)), {
    name: "RangeError",
    message:
      'Cannot set store key "b": limits.store_mb is 100 bytes and the store would grow to 106 bytes',
  });
  assert.equal(await s.get("b"), undefined);
  assert.equal(s.bytes, 53);
  await s.set("a", "short"); // shrinking is fine
  await s.set("b", "y".repeat(50));
  assert.deepEqual(await s.list(), ["a", "b"]);
  assert.equal(await s.delete("a"), true);
  assert.equal(s.bytes, 53);
});

Deno.test("KvStore counts UTF-8 bytes of keys and values", async () => {
  const s = await KvStore.open(null, { quotaBytes: 1000 });
  await s.set("é", "€😀"); // 2 + (1 + 3 + 4 + 1)
  assert.equal(s.bytes, 11);
});

Deno.test("KvStore.set() caps one key and one value", async () => {
  const s = await KvStore.open(null, { quotaBytes: 64 * 1024 * 1024 });
  await assert.rejects(s.set("k".repeat(STORE_KEY_MAX_BYTES + 1), 1), {
    name: "RangeError",
    message: /over the limit of 1024 UTF-8 bytes/,
  });
  await assert.rejects(s.set("é".repeat(513), 1), RangeError); // 1026 bytes
  await s.set("k".repeat(STORE_KEY_MAX_BYTES), 1);
  await assert.rejects(s.set("big", "v".repeat(STORE_VALUE_MAX_BYTES)), {
    name: "RangeError",
    message: /one value may hold 1 MiB of JSON/,
  });
  await assert.rejects(s.set("", 1), TypeError);
  await assert.rejects(s.set(5 as unknown as string, 1), TypeError);
  const small = await KvStore.open(null, { quotaBytes: 10 });
  await assert.rejects(small.set("k", "0123456789"), /one value may hold 10 bytes/);
});

Deno.test("KvStore.set() refuses values JSON cannot hold with a TypeError", async () => {
  const s = await KvStore.open(null);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  const bad: [unknown, RegExp][] = [
    [() => 1, /function is not a JSON type/],
    [{ a: [1, undefined] }, /value\.a\[1\] is not JSON: undefined/],
    [cycle, /value\.self is not JSON: it contains itself/],
    [10n, /BigInt/],
    [NaN, /NaN is not a finite number/],
    [{ x: -Infinity }, /-Infinity/],
    [new Date(0), /Date instance/],
    [new Map(), /Map instance/],
    [Symbol("s"), /symbol/],
    [deep, /nested deeper than 64 levels/],
  ];
  for (const [value, message] of bad) {
    await assert.rejects(s.set("k", value as never), { name: "TypeError", message });
  }
  assert.equal(await s.get("k"), undefined);
  const ok = { a: [1, "two", null, true, { b: -0.5 }], "": {} };
  await s.set("k", ok);
  const got = await s.get("k");
  assert.deepEqual(got, ok);
  assert.notEqual(got, ok);
});

Deno.test("KvStore persists to store.sqlite after the call returns, and reopens", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/p/store.sqlite`;
  try {
    const s = await KvStore.open(path);
    await s.set("a", { n: 1 });
    await s.set("b", [1, 2]);
    await s.delete("b");
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound); // not written in the call
    await tick();
    assert.ok(Deno.statSync(path).isFile);
    await s.set("c", "later");
    await s.flush();
    const again = await KvStore.open(path);
    assert.deepEqual(await again.list(), ["a", "c"]);
    assert.deepEqual(await again.get("a"), { n: 1 });
    await again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore.open() imports an old store.json once and renames it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/store.json`, JSON.stringify({ count: 2, list: ["x"] }));
    const s = await KvStore.open(`${dir}/store.json`);
    assert.deepEqual([await s.get("count"), await s.get("list")], [2, ["x"]]);
    await s.flush();
    assert.throws(() => Deno.statSync(`${dir}/store.json`), Deno.errors.NotFound);
    assert.ok(Deno.statSync(`${dir}/store.json.migrated`).isFile);
    const again = await KvStore.open(`${dir}/store.sqlite`);
    assert.deepEqual(await again.list(), ["count", "list"]);
    await again.flush();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore reports a store file it cannot write to the next set and to flush", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/store.sqlite`); // a folder where the file should be
    const s = await KvStore.open(`${dir}/store.sqlite`);
    await s.set("a", 1);
    await tick();
    await assert.rejects(s.set("b", 2), /Cannot write the plugin store/);
    await assert.rejects(s.flush());
    assert.equal(await s.get("a"), 1); // memory still serves reads
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore writes a large backlog in slices, yielding between them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await KvStore.open(`${dir}/store.sqlite`);
    const value = "v".repeat(512 * 1024);
    for (let i = 0; i < 24; i++) await s.set(`k${i}`, value); // 12 MiB queued
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const t0 = performance.now();
    while (performance.now() - t0 < 5000) {
      await tick();
      const rows = await countRows(`${dir}/store.sqlite`);
      if (rows === 24) break;
    }
    clearInterval(timer);
    assert.ok(ticks >= 3, `only ${ticks} timer ticks ran while 12 MiB were written`);
    await s.flush();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function countRows(path: string): Promise<number> {
  const { DatabaseSync } = await import("node:sqlite");
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return Number(db.prepare("SELECT count(*) AS n FROM kv").get()?.n ?? 0);
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}
