import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log.ts";
import { connect, end, startTestBroker, waitFor } from "../../../tests/helpers.ts";
import { builtinHarness } from "../_testing.ts";

Deno.test("packet_logger: packets in and out at debug, filtered by type, passwords masked", async () => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json", sink: (l) => lines.push(l) });
  const broker = await startTestBroker(
    `
plugins:
  packets: {source: packet_logger, config: {types: [connect, connack, publish]}}
`,
    { log },
  );
  try {
    const c = await connect(broker.url, { clientId: "p1", username: "u", password: "hunter2" });
    await c.publishAsync("t", "x", { qos: 0 });
    await end(c);
    const packets = () =>
      lines.map((l) => JSON.parse(l)).filter((l) => l.plugin === "packets" && l.direction);
    await waitFor(() => packets().some((p) => p.type === "publish"), "publish packet");
    await waitFor(() => packets().some((p) => p.type === "connack"), "connack packet");
    const types = new Set(packets().map((p) => `${p.direction}:${p.type}`));
    assert.ok(types.has("in:connect") && types.has("out:connack") && types.has("in:publish"));
    assert.ok(packets().every((p) => ["connect", "connack", "publish"].includes(p.type)));
    assert.ok(packets().every((p) => p.level === "debug"));
    assert.ok(!lines.some((l) => l.includes("hunter2")));
    assert.equal(packets().find((p) => p.type === "connect").packet.password, "***");
  } finally {
    await broker.close();
  }
});

Deno.test("packet_logger: in its process cage (harness): a real client's packets logged, password masked", async () => {
  const h = await builtinHarness("packet_logger", {
    config: { output: "log", level: "info", types: ["connect", "publish"] },
  });
  try {
    const c = await h.connect({ clientId: "pk-1", username: "u", password: "hunter2" });
    await c.publishAsync("t", "x", { qos: 1 });
    const mine = () => h.logs.filter((l) => l.clientId === "pk-1");
    await h.waitFor(() => mine().some((l) => l.type === "publish"), "the publish line");
    const connect = mine().find((l) => l.type === "connect") as unknown as {
      packet: { password: string };
    }; // logged with the id the CONNECT carries
    assert.equal(connect.packet.password, "***");
    assert.ok(!JSON.stringify(h.logs).includes("hunter2"));
    assert.ok(mine().every((l) => l.type === "connect" || l.type === "publish"));
  } finally {
    await h.close();
  }
});
