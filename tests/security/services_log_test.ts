/**
 * Plugin logs cannot forge log lines: no line breaks or control characters reach the log, plugin
 * fields cannot override `time`/`level`/`msg`/`plugin` (they are written as `_level`, ...), and
 * lines are capped (text and JSON).
 */
import assert from "node:assert/strict";
import { createLogger } from "../../lib/log.ts";
import { connect, end, nextMessage, roundTrip, startTestBroker, subscribe } from "../helpers.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LINE_MAX = 8192;

async function forge(format: "text" | "json"): Promise<string[]> {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format, sink: (l) => void lines.push(l) });
  const broker = await startTestBroker(
    `plugins:\n  forger: {source: "${fixture("services_log_forge.ts")}"}\n`,
    { log },
  );
  const watcher = await connect(broker.url);
  try {
    await subscribe(watcher, "out/log");
    const logged = nextMessage(watcher, 10_000);
    await subscribe(watcher, "cmd/log"); // starts the attack
    assert.equal((await logged).payload, "logged");
    assert.equal(await roundTrip(broker.url, "after/log"), "after/log");
  } finally {
    await end(watcher);
    await broker.close();
  }
  for (const line of lines) {
    assert.doesNotMatch(
      line,
      CONTROL,
      `control character in ${JSON.stringify(line.slice(0, 200))}`,
    );
    assert.ok(line.length <= LINE_MAX, `line of ${line.length} characters`);
  }
  return lines;
}

Deno.test("security: plugin log fields cannot forge text log lines", async () => {
  const lines = await forge("text");
  for (const line of lines) {
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) /);
  }
  const forged = lines.filter((l) => l.includes("forged line"));
  assert.equal(forged.length, 2, forged.join("\n"));
  assert.match(forged[0], /^\S+ INFO {2}x\\n2026-01-01/);
  assert.match(forged[1], /^\S+ WARN {2}y\\r\\n2026-01-01/);
  for (const l of forged) assert.match(l, / plugin=forger( |$)/);
  const huge = lines.find((l) => l.includes("mmmm"));
  assert.ok(huge?.includes("truncated"), "a 100 KB message was not truncated");
});

Deno.test("security: plugin log fields cannot override reserved keys in JSON log lines", async () => {
  const records = (await forge("json")).map((l) => JSON.parse(l));
  const forged = records.filter((r) => String(r.msg).includes("forged line"));
  assert.equal(forged.length, 2);
  const [info, warn] = forged;
  assert.equal(info.level, "info");
  assert.equal(info.plugin, "forger");
  assert.match(info.msg, /^x\n2026-01-01/); // the newline is escaped in the line, kept in the value
  assert.notEqual(info.time, "t");
  // The plugin's own keys are kept, renamed: they cannot take the line's or the host's keys.
  assert.deepEqual(
    [info._level, info._msg, info._plugin, info._time],
    ["error", "forged", "other", "t"],
  );
  assert.equal(warn.level, "warn");
  assert.equal(warn.plugin, "forger");
  const huge = records.find((r) => String(r.msg).startsWith("mmmm"));
  assert.equal(huge?.level, "error");
  assert.match(huge.msg, /truncated/);
});
