import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log.ts";
import { connect, end, startTestBroker, waitFor } from "../../../tests/helpers.ts";
import { plain } from "./format.ts";
import { builtinHarness } from "../_testing.ts";

Deno.test("plain() turns payload bytes into a length, or text when asked", () => {
  const bytes = new Uint8Array([104, 105]);
  assert.deepEqual(plain({ payload: bytes }), { payload: { bytes: 2 } });
  assert.deepEqual(plain({ payload: bytes }, true), { payload: "hi" });
  assert.deepEqual(plain({ payload: new Uint8Array([0xff]) }, true), { payload: { bytes: 1 } });
});

Deno.test("event_logger: connections, subscriptions and retained messages become JSON log lines", async () => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json", sink: (l) => lines.push(l) });
  const broker = await startTestBroker(
    `
plugins:
  events: {source: event_logger, config: {level: info, payloads: true}}
`,
    { log },
  );
  const c = await connect(broker.url, { clientId: "logged-1", username: "u", protocolVersion: 5 });
  try {
    await c.subscribeAsync("a/#");
    await c.publishAsync("a/b", "kept", { retain: true, qos: 1 });
    await end(c);
    const events = () =>
      lines.map((l) => JSON.parse(l)).filter((l) => l.plugin === "events" && l.event);
    await waitFor(
      () => events().some((e) => e.event === "client.disconnected"),
      "disconnect event",
    );
    const byName = new Map(events().map((e) => [e.event, e]));
    assert.equal(byName.get("client.connected").client.clientId, "logged-1");
    assert.equal(byName.get("client.connected").level, "info");
    assert.equal(byName.get("session.subscribed").topic, "a/#");
    assert.equal(byName.get("retained.stored").message.payload, "kept");
  } finally {
    await broker.close();
  }
});

Deno.test("event_logger: in its process cage (harness): a real client's connect and subscribe are logged", async () => {
  const h = await builtinHarness("event_logger", {
    config: { output: "log", events: ["client.connected", "session.subscribed"] },
  });
  try {
    const c = await h.connect({ clientId: "logged-1" });
    await c.subscribeAsync("a/b");
    const seen = (event: string) =>
      h.logs.some((l) => l.event === event && JSON.stringify(l).includes("logged-1"));
    await h.waitFor(() => seen("client.connected") && seen("session.subscribed"), "event lines");
    assert.ok(!h.logs.some((l) => l.event === "client.disconnected")); // filtered out
  } finally {
    await h.close();
  }
});
