import assert from "node:assert/strict";
import { HookMetricsRecorder, LATENCY_BOUNDS_MS, percentile } from "./metrics.ts";
import { missingGrants, scopedPermissions } from "./permissions.ts";

Deno.test("HookMetricsRecorder counts per hookpoint and reads p50/p99 from fixed buckets", () => {
  const m = new HookMetricsRecorder();
  for (let i = 0; i < 98; i++) m.call("client.authorize", 0.2);
  m.call("client.authorize", 40);
  m.call("client.authorize", 20_000); // beyond the last bound: the observed maximum
  m.call("client.connected"); // a notification: counted, not timed
  m.fault("client.authorize", "timeout");
  m.fault("client.authorize", "error");
  m.fault(null, "error");
  const s = m.snapshot();
  const a = s["client.authorize"];
  assert.equal(a.calls, 100);
  assert.equal(a.timeouts, 1);
  assert.equal(a.errors, 1);
  assert.equal(a.p50, 0.25);
  assert.equal(a.p99, 50);
  assert.equal(a.max, 20_000);
  assert.equal(a.histogram.counts.length, LATENCY_BOUNDS_MS.length + 1);
  assert.equal(a.histogram.counts.at(-1), 1);
  assert.deepEqual(
    { calls: s["client.connected"].calls, p50: s["client.connected"].p50 },
    { calls: 1, p50: null },
  );
  assert.equal(percentile([1], [0, 0], 0.5, 0), null);
});

Deno.test("an unscoped declaration is satisfied by a list grant and narrowed to it", () => {
  assert.deepEqual(missingGrants({ read: true }, { read: ["/etc/aviary/passwd"] }), []);
  assert.deepEqual(missingGrants({ read: true }, {}), ["read"]);
  assert.deepEqual(missingGrants({ read: true }, { read: [] }), ["read"]);
  assert.deepEqual(scopedPermissions({ read: true }, { read: ["/p"] }), { read: ["/p"] });
  assert.deepEqual(scopedPermissions({ read: true }, { read: true }), { read: true });
  assert.deepEqual(scopedPermissions({ net: ["a.com"] }, { net: true }), { net: ["a.com"] });
});
