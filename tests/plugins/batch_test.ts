// Batch-level hook calls into a cage (issue 12): the message hooks of one tick cross as one
// `hooks` request, answered per event; one event's failure is its own; the binary batch records
// are read as hostile input.
import { deepEqual as assertEquals, equal, ok, throws } from "node:assert/strict";
import { decodeFrame, encodeFrame, FrameError } from "../../plugins/host/frames.ts";
import { captureLog, fixture, message, startHost } from "./helpers.ts";

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`${isolation}: one tick's messages cross as one batch, each answered on its own`, async () => {
    const { host } = await startHost({
      plugins: { picky: { source: fixture("picky.ts"), isolation } },
    });
    const events = ["a", "bad", "drop", "same", "b"].map((t) => message(t));
    const outs = await Promise.all(events.map((e) => host.transform("message.publish", e)));
    assertEquals(outs.map((o) => o?.topic ?? null), ["tagged/a", "bad", null, "same", "tagged/b"]);
    equal(outs[1], events[1], "a hook that threw keeps that message as it was");
    equal(outs[3], events[3], "an unchanged answer is the broker's own value");
    const s = host.status()[0];
    assertEquals([s.metrics.calls, s.metrics.errors], [5, 1]);
    await host.close();
  });
}

Deno.test("a batch that times out keeps every message and counts a timeout for each", async () => {
  const { lines, log } = captureLog();
  const { host } = await startHost({
    log,
    plugins: { picky: { source: fixture("picky.ts"), isolation: "process", timeout_ms: 300 } },
  });
  const events = ["slow", "a", "b"].map((t) => message(t));
  const outs = await Promise.all(events.map((e) => host.transform("message.publish", e)));
  assertEquals(outs.map((o) => o?.topic), ["slow", "a", "b"]);
  equal(host.status()[0].metrics.timeouts, 3);
  equal(lines.filter((l) => l.msg === "Plugin hook timed out").length, 1, "logged once");
  await host.close();
});

const batch = (answers: unknown[]) =>
  encodeFrame([{ t: "res", id: 7, ok: true, v: answers }]).subarray(4);

Deno.test("answer batches: every item kind round-trips; hostile counts and tags are refused", () => {
  const m = message("x");
  const answers = [{ v: m }, { v: null }, { v: undefined }, { same: true }, { error: "e" }, {
    v: { n: 1 },
  }];
  const [frame] = decodeFrame(batch(answers)) as { v: unknown[] }[];
  equal(frame.v.length, 6);
  assertEquals(frame.v.slice(1), [{ v: null }, { v: undefined }, { same: true }, { error: "e" }, {
    v: { n: 1 },
  }]);
  const bytes = batch([{ v: null }]);
  const huge = bytes.slice();
  new DataView(huge.buffer).setUint32(6, 0xffff_ffff); // item count past the frame
  throws(() => decodeFrame(huge), FrameError);
  const badTag = bytes.slice();
  badTag[10] = 99;
  throws(() => decodeFrame(badTag), FrameError);
  throws(() => decodeFrame(bytes.subarray(0, 8)), FrameError);
});

Deno.test("a hooks request of messages crosses binary; a changed answer is never `same`", () => {
  const m = message("t/1");
  const req = encodeFrame([{ t: "req", id: 9, m: "hooks", a: { h: "message.publish", es: [m] } }]);
  const [read] = decodeFrame(req.subarray(4)) as { a: { es: typeof m[] } }[];
  ok(read.a.es[0].payload instanceof Uint8Array);
  // The side that read the request answers: an equal record is `same`, a changed one is not.
  const changed = { ...read.a.es[0], topic: "t/2" };
  const answer = encodeFrame([{
    t: "res",
    id: 9,
    ok: true,
    v: [{ v: read.a.es[0] }],
  }, { t: "res", id: 10, ok: true, v: [{ v: changed }] }]);
  const [same, other] = decodeFrame(answer.subarray(4)) as { v: unknown[] }[];
  assertEquals(same.v, [{ same: true }]);
  equal((other.v[0] as { v: { topic: string } }).v.topic, "t/2");
});
