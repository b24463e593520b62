// The cage crossing's compact records (issue 12 item 1): notify events cross as binary values in
// one run per hookpoint and tick, any other plain frame as a binary value; what a plugin sends in
// those layouts is hostile input: truncated, oversize, lying counts, unknown tags, deep nesting
// fault the plugin alone while a real MQTT.js client keeps being served.
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeFrame, encodeFrame, FrameError } from "../../plugins/host/frames.ts";
import { connect, end, nextMessage, startTestBroker, subscribe, waitFor } from "../helpers.ts";
import { assertServes } from "../security/broker_helpers.ts";
import { fixture, message, startHost } from "./helpers.ts";

const notify = (h: string, e: unknown) => ({ t: "msg", m: "notify", a: { h, e } });
const roundTrip = (batch: unknown[]) => decodeFrame(encodeFrame(batch).subarray(4));

Deno.test("crossing: notify events round-trip as compact values, with JSON's meaning", () => {
  const packet = { cmd: "publish", qos: 0, topic: "a/b", payload: Buffer.from([1, 2, 255]) };
  const odd = { n: -1.5, big: 2 ** 40, nan: NaN, gone: undefined, fn: () => 1, list: [undefined] };
  const batch = [
    notify("packet.received", { clientId: "c", type: "publish", packet }),
    notify("packet.received", { clientId: null, type: "pingreq", packet: { cmd: "pingreq" } }),
    { t: "req", id: 3, m: "ping", a: null },
    notify("client.connected", odd),
  ];
  const [a, b, c, d] = roundTrip(batch) as { a: { e: Record<string, unknown> } }[];
  const got = a.a.e.packet as { payload: Uint8Array };
  ok(got.payload instanceof Uint8Array, "a Buffer crosses as bytes, not through toJSON");
  deepEqual([...got.payload], [1, 2, 255]);
  deepEqual(
    b,
    notify("packet.received", { clientId: null, type: "pingreq", packet: { cmd: "pingreq" } }),
  );
  deepEqual(c, { t: "req", id: 3, m: "ping", a: null });
  deepEqual(d.a.e, JSON.parse(JSON.stringify(odd)), "the same value JSON would carry");
});

Deno.test("crossing: values the compact layout refuses still cross, as JSON", () => {
  const lone = "x\ud800y";
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  const proto = JSON.parse('{"__proto__": {"polluted": 1}}');
  const batch = [
    notify("client.connected", { id: lone }),
    notify("client.connected", { when: new Date(0), deep }),
    notify("client.connected", proto),
  ];
  const [a, b, c] = roundTrip(batch) as { a: { e: Record<string, unknown> } }[];
  equal(a.a.e.id, lone, "a lone surrogate is kept as it was");
  deepEqual(b.a.e, JSON.parse(JSON.stringify({ when: new Date(0), deep })));
  ok(Object.hasOwn(c.a.e, "__proto__"), "__proto__ stays an own key");
  equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("crossing: keys repeat as references within a frame, never past an event that fell back", () => {
  const batch = [
    notify("client.connected", { a: 1, b: { a: 2 } }),
    notify("client.connected", { c: 1, d: new Date(0) }), // "c" written, then JSON instead
    notify("client.connected", { c: 3, a: 4 }),
    notify("client.connected", { a: 5 }),
  ];
  deepEqual(roundTrip(batch), JSON.parse(JSON.stringify(batch)));
  const once = encodeFrame([notify("x", { clientId: "c" })]).length;
  const twice = encodeFrame([notify("x", { clientId: "c" }), notify("x", { clientId: "c" })]);
  ok(twice.length - once < once - 20, "the second event does not repeat its key");
  throws(() => decodeFrame(body(8, 9, ...u32(1), 0x80, 0, 0, 5, 1)), FrameError, "unknown ref");
});

/** A batch frame body (kind 1) of `records`. */
const body = (...records: number[]) => new Uint8Array([1, ...records]);
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

Deno.test("crossing: hostile value records are refused with FrameError", () => {
  const cases: [string, Uint8Array][] = [
    ["truncated string", body(8, 6, ...u32(10), 0x61)],
    ["array count past the frame", body(8, 8, ...u32(0xffff_ffff))],
    ["object count past the frame", body(8, 9, ...u32(1000), 0)],
    ["unknown value tag", body(8, 77)],
    ["unknown record tag", body(42)],
    ["truncated number", body(8, 5, 0, 0)],
    ["notify run count past the frame", body(7, ...u32(1), 0x68, ...u32(0xffff))],
    ["nested 300 deep", body(8, ...Array.from({ length: 300 }, () => [8, ...u32(1)]).flat(), 1)],
    ["bad UTF-8 key", body(8, 9, ...u32(1), ...u32(1), 0xff, 1)],
  ].map(([name, b]) => [name as string, b as Uint8Array]);
  for (const [name, bytes] of cases) throws(() => decodeFrame(bytes), FrameError, name);
});

const KINDS = ["truncated", "lying", "tag", "record", "deep", "run", "oversize"] as const;

/** A copy of the forging fixture per kind, in a temp dir. */
async function forgers(): Promise<{ dir: string; paths: Record<string, string> }> {
  const dir = await Deno.makeTempDir();
  const code = await Deno.readTextFile(fixture("crossing_forge.js"));
  const paths: Record<string, string> = {};
  for (const kind of KINDS) {
    paths[kind] = `${dir}/forge_${kind}.js`;
    await Deno.writeTextFile(paths[kind], `const FORGE = "${kind}";\n${code}`);
  }
  return { dir, paths };
}

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`crossing (${isolation}): a packet.received notify carries the PUBLISH's bytes`, async () => {
    const b = await startTestBroker(`
plugins:
  echo: {source: "${fixture("crossing_forge.js")}", isolation: ${isolation}}
`);
    const sub = await connect(b.url);
    const pub = await connect(b.url);
    try {
      await subscribe(sub, "echo/out");
      const got = nextMessage(sub, 5000);
      const payload = Buffer.from([0, 1, 2, 0x41, 0x7f]); // nextMessage reads UTF-8 text
      await pub.publishAsync("echo/in", payload);
      equal((await got).payload, payload.toString());
    } finally {
      await end(pub);
      await end(sub);
      await b.close();
    }
  });

  Deno.test(`crossing (${isolation}): forged compact records fault the plugin alone; the broker serves on`, async () => {
    const { dir, paths } = await forgers();
    const kinds = isolation === "process" ? KINDS : KINDS.filter((k) => k !== "oversize");
    const entries = kinds.map((k) =>
      `  ${k}: {source: "${paths[k]}", isolation: ${isolation}, limits: {memory_mb: 64}}`
    );
    const b = await startTestBroker(`plugins:\n${entries.join("\n")}\n`);
    const watcher = await connect(b.url);
    try {
      const row = (k: string) => b.plugins!.status().find((s) => s.alias === k)!;
      for (const k of kinds) {
        await waitFor(() => row(k).metrics.restarts >= 1, `${k}: a restart`, 20_000);
        ok(/protocol violation|bad frame/.test(row(k).error ?? ""), `${k}: ${row(k).error}`);
      }
      ok(watcher.connected, "a client connected during the attack stays connected");
      await assertServes(b);
    } finally {
      await end(watcher);
      await b.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`crossing (${isolation}): a changed message crosses back as its changed fields only`, async () => {
    const { host } = await startHost({
      plugins: { patch: { source: fixture("crossing_patch.ts"), isolation } },
    });
    const mk = (topic: string) =>
      message(topic, {
        payload: new TextEncoder().encode("abc"),
        properties: { contentType: "t" },
      });
    const events = ["keep", "props", "in-place", "mutate-topic", "unprops", "other"].map(mk);
    const outs = await Promise.all(events.map((e) => host.transform("message.publish", e)));
    equal(outs[0], events[0], "unchanged: the broker's own value");
    deepEqual(outs[1]?.properties, { contentType: "t", userProperties: { seen: "1" } });
    equal(outs[1]?.payload, events[1].payload, "a payload that did not change is the broker's own");
    deepEqual(new TextDecoder().decode(outs[2]!.payload), "Xbc", "a change in place is seen");
    equal(outs[3]?.topic, "mutated", "a field changed on the event itself is seen");
    deepEqual(outs[4]?.properties, {}, "properties removed stay removed");
    deepEqual([outs[5]?.qos, outs[5]?.retain, outs[5]?.from], [1, true, {
      clientId: "other",
      username: null,
    }]);
    equal(host.status()[0].metrics.errors, 0);
    await host.close();
  });
}

Deno.test("crossing: hostile patch answers are refused with FrameError", () => {
  // An answer batch (record 6) for request 1 with one patch item (tag 6).
  const patch = (...bytes: number[]) => body(6, ...u32(1), ...u32(1), 6, ...bytes);
  const cases: [string, Uint8Array][] = [
    ["mask out of range", patch(0x40)],
    ["truncated topic", patch(1, ...u32(9), 0x61)],
    ["payload length past the frame", patch(2, ...u32(0xffff_fff0))],
    ["QoS 3", patch(4, 3)],
    ["publisher flag 2", patch(8, ...u32(0), 2)],
    ["properties not an object", patch(16, 3)],
    ["properties as bytes", patch(16, 7, ...u32(0))],
  ];
  for (const [name, bytes] of cases) throws(() => decodeFrame(bytes), FrameError, name);
  const [ok1] = decodeFrame(patch(16, 9, ...u32(0))) as { v: unknown[] }[];
  deepEqual(ok1.v, [{ patch: { properties: {} } }]);
});
