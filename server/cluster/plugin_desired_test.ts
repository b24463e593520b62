import assert from "node:assert/strict";
import { DesiredRecordError, moveIn, parseDesired, parseOrder } from "./plugin_desired.ts";

const good = {
  alias: "p",
  sha256: "a".repeat(64),
  source: null,
  files: { "plugin.js": "sha256-x" },
  grant: {},
  enabled: true,
  config: { prefix: "x/" },
  configVersion: 2,
  restarts: 0,
};

Deno.test("parseDesired() takes a well-formed record", () => {
  assert.deepEqual(parseDesired("p.p", JSON.stringify(good)), good);
});

Deno.test("parseDesired() refuses malformed records with the key and the reason", () => {
  const cases: [string, string, RegExp][] = [
    ["p.p", "{", /not JSON/],
    ["p.p", "[]", /a JSON object/],
    ["p.p", "null", /a JSON object/],
    ["p.p", JSON.stringify({ ...good, alias: "other" }), /"alias" matching the key/],
    ["p.P", JSON.stringify({ ...good, alias: "P" }), /"alias"/],
    ["p.../x", JSON.stringify({ ...good, alias: "../x" }), /"alias"/],
    ["p.p", JSON.stringify({ ...good, sha256: "abc" }), /64 hex digits/],
    ["p.p", JSON.stringify({ ...good, sha256: null }), /"source"/],
    ["p.p", JSON.stringify({ ...good, files: "x" }), /"files"/],
    ["p.p", JSON.stringify({ ...good, grant: [] }), /"grant"/],
    ["p.p", JSON.stringify({ ...good, config: "x" }), /"config"/],
    ["p.p", JSON.stringify({ ...good, enabled: "yes" }), /"enabled"/],
    ["p.p", JSON.stringify({ ...good, configVersion: -1 }), /"configVersion"/],
    ["p.p", JSON.stringify({ ...good, restarts: 1.5 }), /"restarts"/],
  ];
  for (const [key, text, why] of cases) {
    assert.throws(() => parseDesired(key, text), (e: Error) => {
      assert.ok(e instanceof DesiredRecordError, text);
      assert.match(e.message, new RegExp(`"${key.replace(/\./g, "\\.")}"`));
      assert.match(e.message, why);
      return true;
    });
  }
});

Deno.test("parseOrder() reads anything malformed as no order, keeps strings only", () => {
  assert.deepEqual(parseOrder("{"), []);
  assert.deepEqual(parseOrder('{"a":1}'), []);
  assert.deepEqual(parseOrder('["a", 1, null, "b"]'), ["a", "b"]);
});

Deno.test("moveIn() moves inside the cluster's order; unknown targets change nothing", () => {
  assert.deepEqual(moveIn(["a", "b", "c"], "a", "after:c"), ["b", "c", "a"]);
  assert.deepEqual(moveIn(["a", "b", "c"], "c", "front"), ["c", "a", "b"]);
  assert.deepEqual(moveIn(["a", "b", "c"], "a", "before:yaml-plugin"), ["a", "b", "c"]);
  assert.deepEqual(moveIn(["a", "b"], "x", "after:a"), ["a", "b"]);
});
