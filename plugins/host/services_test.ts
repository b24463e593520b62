import assert from "node:assert/strict";
import type { Message } from "../sdk/events.ts";
import { PluginServices, PUBLISH_PAYLOAD_MAX_BYTES } from "./services.ts";
import { KvStore } from "./store.ts";

async function services(limits = {}) {
  const published: Message[] = [];
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  const logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const broker = {
    publish: (m: Message) => void published.push(m),
    clients: () => [],
    retained: (f: string) => [{ topic: f } as Message],
  };
  const s = new PluginServices("p", broker, await KvStore.open(null), logger, limits);
  return { s, published, lines };
}

const bytes = new Uint8Array([1]);

Deno.test("PluginServices.invoke() rejects unknown methods and malformed arguments, never throws", async () => {
  const { s, published } = await services();
  const bad: [unknown, unknown, RegExp][] = [
    ["nope", null, /Unknown context method "nope"/],
    [42, null, /Unknown context method "number"/],
    ["__proto__", null, /Unknown context method/],
    ["constructor", null, /Unknown context method/],
    ["publish", null, /publish arguments must be an object, got null/],
    ["publish", [1], /got an array/],
    ["publish", { topic: 1, payload: bytes }, /publish topic must be a string, got number/],
    ["publish", { topic: "a/#", payload: bytes }, /is not a topic name/],
    ["publish", { topic: "a\u0000b", payload: bytes }, /is not a topic name/],
    ["publish", { topic: "t".repeat(70_000), payload: bytes }, /over 65535 UTF-8 bytes/],
    ["publish", { topic: "€".repeat(30_000), payload: bytes }, /over 65535 UTF-8 bytes/],
    ["publish", { topic: "t", payload: "text" }, /payload must be a Uint8Array or a string/],
    ["publish", { topic: "t", payload: [1, 2] }, /got an array/],
    ["publish", { topic: "t", payload: bytes, options: 5 }, /options arguments must be an object/],
    ["publish", { topic: "t", payload: bytes, options: { qos: 3 } }, /qos must be 0, 1 or 2/],
    [
      "publish",
      { topic: "t", payload: bytes, options: { retain: "yes" } },
      /retain must be a boolean/,
    ],
    ["publish", { topic: "t", payload: bytes, options: { properties: [] } }, /properties/],
    ["retained", 5, /filter must be a string/],
    ["retained", "a/#/b", /is not valid/],
    ["store.get", null, /store call arguments must be an object/],
    ["store.get", { key: 1 }, /store key must be a non-empty string/],
    ["store.set", { key: "" }, /store key must be a non-empty string/],
    ["store.set", { key: "k", value: () => 1 }, /not JSON/],
    ["store.list", { prefix: 3 }, /prefix must be a string/],
  ];
  for (const [method, args, message] of bad) {
    const call = s.invoke(method, args); // must return a promise, never throw synchronously
    await assert.rejects(call, message, `${String(method)} ${String(args)}`);
  }
  assert.equal(published.length, 0);
  assert.equal(s.counters.badCalls, bad.length - 1); // the non-JSON value is the store's refusal
});

Deno.test("PluginServices.invoke() runs good calls", async () => {
  const { s, published } = await services();
  await s.invoke("publish", { topic: "a/b", payload: bytes, options: { qos: 1, retain: true } });
  assert.deepEqual(published[0], {
    topic: "a/b",
    payload: bytes,
    qos: 1,
    retain: true,
    from: { clientId: "$plugin/p", username: null },
  });
  assert.deepEqual(await s.invoke("retained", "r/#"), [{ topic: "r/#" }]);
  await s.invoke("store.set", { key: "k", value: { a: [1] } });
  assert.deepEqual(await s.invoke("store.get", { key: "k" }), { a: [1] });
  assert.deepEqual(await s.invoke("store.list", null), ["k"]);
  assert.deepEqual(await s.invoke("store.list", { prefix: "x" }), []);
  assert.equal(await s.invoke("store.delete", { key: "k" }), true);
  await assert.rejects(s.invoke("stats", null), /stats\(\) is not available/);
});

Deno.test("PluginServices limits publish to publish_per_second with a burst of the same size", async () => {
  const { s, published, lines } = await services({ publish_per_second: 10 });
  const results = await Promise.allSettled(
    Array.from({ length: 25 }, () => s.invoke("publish", { topic: "t", payload: bytes })),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 10);
  const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  assert.equal(refused.reason.name, "RangeError");
  assert.match(
    refused.reason.message,
    /plugin "p" is over its limit of 10 messages a second \(limits\.publish_per_second\)/,
  );
  assert.equal(s.counters.publishRefused, 15);
  assert.equal(lines.filter((l) => l.level === "warn").length, 1); // one warning, not fifteen
  await new Promise((r) => setTimeout(r, 250)); // refills 2.5 tokens
  await s.invoke("publish", { topic: "t", payload: bytes });
  await s.invoke("publish", { topic: "t", payload: bytes });
  assert.equal(published.length, 12);
});

Deno.test("PluginServices with publish_per_second 0 refuses every publish", async () => {
  const { s, published } = await services({ publish_per_second: 0 });
  await assert.rejects(s.invoke("publish", { topic: "t", payload: bytes }), {
    name: "RangeError",
    message: 'Cannot publish on "t": limits.publish_per_second is 0 for plugin "p"',
  });
  assert.equal(published.length, 0);
  assert.throws(
    () => new PluginServices("p", {} as never, {} as never, console, { publish_per_second: -1 }),
    RangeError,
  );
});

Deno.test("PluginServices caps the payload size", async () => {
  const { s } = await services();
  const huge = { byteLength: PUBLISH_PAYLOAD_MAX_BYTES + 1 };
  Object.setPrototypeOf(huge, Uint8Array.prototype); // a view's size without allocating 256 MiB
  await assert.rejects(s.invoke("publish", { topic: "t", payload: huge }), {
    name: "RangeError",
    message: /over the limit of 268435456/,
  });
});

Deno.test("PluginServices.log() cannot be made to override the host's fields or throw", async () => {
  const { s, lines } = await services();
  s.log("error", "m", { plugin: "other", component: "broker", n: 1 });
  s.log("fatal", { toString: 1 }, "not an object");
  s.log("info", Symbol("s"), null);
  assert.deepEqual(lines[0], {
    level: "error",
    msg: "m",
    fields: { plugin: "p", _plugin: "other", _component: "broker", n: 1 },
  });
  assert.deepEqual(lines[1], {
    level: "info",
    msg: "[unprintable message]",
    fields: { plugin: "p", fields: "not an object" },
  });
  assert.equal(lines[2].msg, "Symbol(s)");
});
