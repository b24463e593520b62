import assert from "node:assert/strict";
import { createLogger, guardFields, LOG_LINE_MAX, type LogFields } from "./log.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function capture(format: "text" | "json", fields?: LogFields) {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format, sink: (l) => void lines.push(l), fields });
  return { lines, log };
}

Deno.test("createLogger() text: line breaks and control characters in msg, keys and values are escaped", () => {
  const { lines, log } = capture("text");
  log.info("a\nb\rc\u2028d\u2029e\u0085f\u001b[2J", { "k\ney": "v\nw", x: "p\u2028q" });
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], CONTROL);
  assert.match(
    lines[0],
    / INFO {2}a\\nb\\rc\\u2028d\\u2029e\\u0085f\\u001b\[2J k\\ney="v\\nw" x="p\\u2028q"$/,
  );
});

Deno.test("createLogger() json: fields cannot override time, level or msg", () => {
  const { lines, log } = capture("json", { component: "c" });
  log.warn("real", { time: "forged", level: "error", msg: "forged", _level: "mine", n: 1 });
  const rec = JSON.parse(lines[0]);
  assert.equal(rec.level, "warn");
  assert.equal(rec.msg, "real");
  assert.notEqual(rec.time, "forged");
  assert.deepEqual([rec._time, rec.__level, rec._level, rec._msg], [
    "forged",
    "error",
    "mine",
    "forged",
  ]);
  assert.deepEqual([rec.component, rec.n], ["c", 1]);
});

Deno.test("createLogger() json: C1 controls and U+2028/2029 are escaped, the value is kept", () => {
  const { lines, log } = capture("json");
  log.info("a\u2028b", { v: "\u0085\u2029" });
  assert.doesNotMatch(lines[0], CONTROL);
  assert.deepEqual([JSON.parse(lines[0]).msg, JSON.parse(lines[0]).v], [
    "a\u2028b",
    "\u0085\u2029",
  ]);
});

Deno.test("createLogger() never throws on values JSON cannot hold", () => {
  for (const format of ["text", "json"] as const) {
    const { lines, log } = capture(format);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    let deep: unknown = "bottom";
    for (let i = 0; i < 1000; i++) deep = { deep };
    const trap = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    log.info({ toString: 1 } as unknown as string, {
      cycle,
      big: 10n ** 30n,
      err: new Error("bad"),
      fn: () => 1,
      sym: Symbol("s"),
      nan: NaN,
      deep,
      trap,
      map: new Map([[1, 2]]),
      bytes: new Uint8Array(3),
      gone: undefined,
    });
    assert.equal(lines.length, 1);
    if (format === "json") {
      const rec = JSON.parse(lines[0]);
      assert.equal(rec.msg, "[unprintable message]");
      assert.deepEqual(rec.cycle, { a: 1, self: "[circular]" });
      assert.equal(rec.big, "1000000000000000000000000000000");
      assert.deepEqual([rec.err, rec.fn, rec.sym, rec.nan], [
        "bad",
        "[function fn]",
        "Symbol(s)",
        "NaN",
      ]);
      assert.deepEqual([rec.trap, rec.map, rec.bytes], [
        "[unserializable]",
        "[Map 1]",
        "[Uint8Array 3 bytes]",
      ]);
      assert.ok(!("gone" in rec));
    }
  }
});

Deno.test("createLogger() caps a line at LOG_LINE_MAX and says what it cut", () => {
  for (const format of ["text", "json"] as const) {
    const { lines, log } = capture(format);
    const many = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`f${i}`, "v".repeat(5000)]),
    );
    log.error("m".repeat(100_000), many);
    log.error("\u0001".repeat(100_000), { ["k\n".repeat(5000)]: "\u0001".repeat(100_000) });
    for (const line of lines) {
      assert.ok(line.length <= LOG_LINE_MAX, `${format} line of ${line.length}`);
      assert.doesNotMatch(line, CONTROL);
      assert.match(line, /truncated \d+ chars/);
    }
    assert.match(lines[0], /truncated_fields/);
    if (format === "json") lines.forEach((l) => JSON.parse(l));
  }
});

Deno.test("createLogger() child fields are kept and a call may still refine them", () => {
  const { lines, log } = capture("json");
  log.child({ clientId: undefined, remote: "r" }).info("x", { clientId: "c1" });
  assert.deepEqual([JSON.parse(lines[0]).clientId, JSON.parse(lines[0]).remote], ["c1", "r"]);
});

Deno.test("guardFields() renames reserved keys and wraps what is not an object", () => {
  assert.deepEqual(guardFields({ plugin: "x", a: 1 }, ["plugin"]), { _plugin: "x", a: 1 });
  assert.deepEqual(guardFields("text", []), { fields: "text" });
  assert.deepEqual(guardFields([1], []), { fields: [1] });
  assert.deepEqual(guardFields(null, []), {});
  const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
  assert.equal(guardFields(wide, []).truncated_fields, 36);
});
