import assert from "node:assert/strict";
import { ExpirySchedule, MAX_TIMER_MS } from "./expiry_schedule.ts";
import { FakeClock } from "../../lib/fake_clock.ts";

function scheduleWithLog(clock: FakeClock) {
  const due: string[] = [];
  const schedule = new ExpirySchedule<string, string>((key, value) => due.push(`${key}=${value}`), {
    clock,
  });
  return { schedule, due };
}

Deno.test("ExpirySchedule calls onDue in deadline order, equal deadlines in insertion order", () => {
  const clock = new FakeClock();
  const { schedule, due } = scheduleWithLog(clock);
  const t = clock.time;
  schedule.set("c", t + 300, "3");
  schedule.set("a", t + 100, "1");
  schedule.set("b1", t + 200, "2");
  schedule.set("b2", t + 200, "2");
  clock.advance(150);
  assert.deepEqual(due, ["a=1"]);
  clock.advance(1000);
  assert.deepEqual(due, ["a=1", "b1=2", "b2=2", "c=3"]);
  assert.equal(schedule.size, 0);
  assert.equal(schedule.armed, false);
});

Deno.test("ExpirySchedule.set() moves a key; delete() cancels it and returns its value", () => {
  const clock = new FakeClock();
  const { schedule, due } = scheduleWithLog(clock);
  const t = clock.time;
  schedule.set("a", t + 100, "old");
  schedule.set("a", t + 500, "new");
  schedule.set("b", t + 200, "b");
  assert.equal(schedule.delete("b"), "b");
  assert.equal(schedule.delete("missing"), undefined);
  clock.advance(400);
  assert.deepEqual(due, []);
  clock.advance(100);
  assert.deepEqual(due, ["a=new"]);
});

Deno.test("ExpirySchedule reaches deadlines beyond 2^31-1 ms in capped hops, never early", () => {
  const clock = new FakeClock();
  const { schedule, due } = scheduleWithLog(clock);
  const far = clock.time + 0xffffffff * 1000; // the longest Session Expiry, in ms
  schedule.set("far", far, "x");
  clock.advance(MAX_TIMER_MS);
  assert.deepEqual(due, []);
  clock.advance(far - clock.time - 1);
  assert.deepEqual(due, []);
  clock.advance(1);
  assert.deepEqual(due, ["far=x"]);
  assert.ok(clock.delays.every((d) => d >= 0 && d <= MAX_TIMER_MS), "every delay capped");
});

Deno.test("ExpirySchedule holds one timer for a million keys and disarms when empty", () => {
  const clock = new FakeClock();
  const { schedule, due } = scheduleWithLog(clock);
  const t = clock.time;
  const n = 1_000_000;
  for (let i = 0; i < n; i++) schedule.set(`s${i}`, t + 1000 + (i * 7919) % 86_400_000, "");
  assert.equal(schedule.size, n);
  assert.equal(clock.timers.size, 1);
  assert.ok(clock.delays.length < 20, `timer re-armed ${clock.delays.length} times`);
  for (let i = 0; i < n; i += 2) schedule.delete(`s${i}`);
  assert.equal(clock.timers.size, 1);
  clock.advance(86_400_000 + 1000);
  assert.equal(due.length, n / 2);
  assert.equal(clock.timers.size, 0);
  assert.equal(schedule.armed, false);
});

Deno.test("ExpirySchedule re-arms for an earlier key and keeps running when onDue throws", () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const due: string[] = [];
  const schedule = new ExpirySchedule<string, number>((key) => {
    due.push(key);
    if (key === "bad") throw new Error("boom");
  }, { clock, onError: (err) => errors.push(err) });
  const t = clock.time;
  schedule.set("late", t + 10_000, 0);
  schedule.set("bad", t + 100, 0);
  schedule.set("good", t + 100, 0);
  assert.equal(clock.timers.size, 1);
  clock.advance(100);
  assert.deepEqual(due, ["bad", "good"]);
  assert.equal(errors.length, 1);
  assert.equal(clock.timers.size, 1, "re-armed for the later key");
  schedule.clear();
  assert.equal(clock.timers.size, 0);
});

Deno.test("ExpirySchedule runs a key set to a past deadline on the next timer", () => {
  const clock = new FakeClock();
  const { schedule, due } = scheduleWithLog(clock);
  schedule.set("past", clock.time - 5, "p");
  assert.deepEqual(clock.delays, [0]);
  clock.advance(0);
  assert.deepEqual(due, ["past=p"]);
  assert.throws(() => schedule.set("nan", NaN, ""), RangeError);
});
