// The routes behind dashboard v2, driven over HTTP with real MQTT.js clients: client search,
// one client's subscriptions, kick (MQTT 5 DISCONNECT 0x98), retained browser and clear, the
// listeners list; each refused without credentials, from another origin, or with bad input.
import assert from "node:assert/strict";
import type { IDisconnectPacket } from "mqtt";
import { connect, end, waitFor } from "../helpers.ts";
import { type DashboardBroker, startDashboardBroker } from "./_dashboard_broker.ts";
import { api } from "./helpers.ts";

async function withBroker(fn: (b: DashboardBroker) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  const b = await startDashboardBroker(`${dir}/data`);
  try {
    await fn(b);
  } finally {
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A raw request (no credentials unless given). */
async function raw(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, init);
  await res.body?.cancel();
  return res.status;
}

Deno.test("GET /clients searches id, user and address, pages, and refuses a bad limit", async () => {
  await withBroker(async (b) => {
    const clients = await Promise.all(
      ["sensor-1", "sensor-2", "pump"].map((id) => connect(b.url, { clientId: id })),
    );
    try {
      let r = await api(b.api, "GET", "/clients?q=SENSOR");
      assert.deepEqual((r.body.data as { clientId: string }[]).map((c) => c.clientId), [
        "sensor-1",
        "sensor-2",
      ]);
      assert.equal(r.body.total, 2);
      r = await api(b.api, "GET", "/clients?q=127.0.0.1&limit=1&offset=1");
      assert.deepEqual((r.body.data as { clientId: string }[]).map((c) => c.clientId), [
        "sensor-1",
      ]);
      assert.equal(r.body.total, 3);
      for (const bad of ["limit=0", "limit=abc", "limit=1001", "offset=-1"]) {
        r = await api(b.api, "GET", `/clients?${bad}`);
        assert.equal(r.status, 400, bad);
        assert.match(String(r.body.message), /must be an integer/);
      }
    } finally {
      await Promise.all(clients.map((c) => end(c)));
    }
  });
});

Deno.test("GET /clients/{id} lists its subscriptions; 404 for an unknown id", async () => {
  await withBroker(async (b) => {
    const c = await connect(b.url, { clientId: "a/b <c>" });
    try {
      await c.subscribeAsync({ "x/#": { qos: 1 }, y: { qos: 0 } });
      const r = await api(b.api, "GET", `/clients/${encodeURIComponent("a/b <c>")}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.clientId, "a/b <c>");
      assert.deepEqual(
        (r.body.subscriptionList as { topic: string }[]).map((s) => s.topic).sort(),
        ["x/#", "y"],
      );
      assert.equal((await api(b.api, "GET", "/clients/nobody")).status, 404);
    } finally {
      await end(c);
    }
  });
});

Deno.test("DELETE /clients/{id} sends MQTT 5 DISCONNECT 0x98 and closes; v3 is closed", async () => {
  await withBroker(async (b) => {
    const v5 = await connect(b.url, { clientId: "kick-me", protocolVersion: 5 });
    const v3 = await connect(b.url, { clientId: "kick-v3", protocolVersion: 4 });
    let reason: number | undefined;
    v5.on("disconnect", (p: IDisconnectPacket) => (reason = p.reasonCode));
    let v3Closed = false;
    v3.on("close", () => (v3Closed = true));
    try {
      assert.equal((await api(b.api, "DELETE", "/clients/kick-me")).status, 204);
      assert.equal((await api(b.api, "DELETE", "/clients/kick-v3")).status, 204);
      await waitFor(() => reason === 0x98 && v3Closed, "both clients disconnected");
      await waitFor(() => b.broker.clients.size === 0, "the broker forgot both");
      assert.equal((await api(b.api, "DELETE", "/clients/kick-me")).status, 404);
    } finally {
      await Promise.all([end(v5, true), end(v3, true)]);
    }
  });
});

Deno.test("Kick and clear are refused without credentials (401) and from another origin (403)", async () => {
  await withBroker(async (b) => {
    const c = await connect(b.url, { clientId: "stays" });
    try {
      await c.publishAsync("keep", "v", { retain: true });
      const kick = `${b.api}/api/v1/clients/stays`;
      const clear = `${b.api}/api/v1/retained/keep`;
      const auth = { authorization: `Basic ${btoa("admin:s3cret-pass")}` };
      for (const url of [kick, clear]) {
        assert.equal(await raw(url, { method: "DELETE" }), 401);
        const evil = { ...auth, origin: "http://evil.example" };
        assert.equal(await raw(url, { method: "DELETE", headers: evil }), 403);
        const site = { ...auth, "sec-fetch-site": "cross-site" };
        assert.equal(await raw(url, { method: "DELETE", headers: site }), 403);
      }
      assert.equal(await raw(`${b.api}/api/v1/clients`), 401);
      assert.equal(await raw(`${b.api}/api/v1/retained`), 401);
      assert.equal(b.broker.clients.size, 1);
      assert.equal((await api(b.api, "GET", "/retained")).body.total, 1);
    } finally {
      await end(c);
    }
  });
});

Deno.test("GET /retained previews text, binary as hex, size; filters and pages", async () => {
  await withBroker(async (b) => {
    const c = await connect(b.url, { clientId: "retainer" });
    try {
      await c.publishAsync("home/a", "<script>x</script>", { retain: true, qos: 1 });
      await c.publishAsync("home/b", new Uint8Array([0xff, 0x00, 0x10]) as never, { retain: true });
      await c.publishAsync("other", "z".repeat(5000), { retain: true });
      let r = await api(b.api, "GET", "/retained?topic=home/%2B");
      const rows = r.body.data as Record<string, unknown>[];
      assert.deepEqual(rows.map((m) => m.topic), ["home/a", "home/b"]);
      assert.deepEqual([rows[0].text, rows[0].qos, rows[0].size], ["<script>x</script>", 1, 18]);
      assert.deepEqual([rows[1].text, rows[1].hex, rows[1].size], [null, "ff0010", 3]);
      r = await api(b.api, "GET", "/retained?topic=other");
      const big = (r.body.data as Record<string, unknown>[])[0];
      assert.deepEqual([big.size, (big.text as string).length, big.truncated], [5000, 1024, true]);
      r = await api(b.api, "GET", "/retained?limit=2&offset=2");
      assert.deepEqual([r.body.total, (r.body.data as unknown[]).length], [3, 1]);
      for (const bad of ["a/#/b", "a+"]) {
        r = await api(b.api, "GET", `/retained?topic=${encodeURIComponent(bad)}`);
        assert.equal(r.status, 400, bad);
      }
    } finally {
      await end(c);
    }
  });
});

Deno.test("DELETE /retained/{topic} clears one (topic with /), 404 after, 400 for a filter", async () => {
  await withBroker(async (b) => {
    const c = await connect(b.url, { clientId: "retainer" });
    try {
      await c.publishAsync("home/a", "1", { retain: true, qos: 1 });
      await c.publishAsync("home/b", "2", { retain: true, qos: 1 });
      let r = await api(b.api, "DELETE", `/retained/${encodeURIComponent("home/a")}`);
      assert.equal(r.status, 204);
      r = await api(b.api, "GET", "/retained");
      assert.deepEqual((r.body.data as { topic: string }[]).map((m) => m.topic), ["home/b"]);
      assert.equal((await api(b.api, "DELETE", "/retained/home%2Fa")).status, 404);
      assert.equal((await api(b.api, "DELETE", "/retained/home%2F%2B")).status, 400);
      assert.equal((await api(b.api, "DELETE", "/retained/%E0%A4%A")).status, 400);
    } finally {
      await end(c);
    }
  });
});

Deno.test("GET /listeners names the WebSocket listener with its port and path", async () => {
  await withBroker(async (b) => {
    const r = await api(b.api, "GET", "/listeners");
    const rows = r.body.data as { name: string; transport: string; port: number; path?: string }[];
    const web = rows.find((l) => l.name === "web");
    assert.deepEqual(web && [web.transport, web.port, web.path], [
      "ws",
      b.listeners.get("web")!.port,
      "/mqtt",
    ]);
    assert.equal(rows.find((l) => l.name === "default")?.path, undefined);
  });
});

Deno.test("Dashboard files are served by name only: path tricks and other files are 404", async () => {
  await withBroker(async (b) => {
    for (
      const [path, type] of [["/", "text/html"], ["/mqtt_ws.js", "text/javascript"], [
        "/views.css",
        "text/css",
      ]]
    ) {
      const res = await fetch(`${b.api}${path}`);
      await res.body?.cancel();
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", new RegExp(`^${type}`), path);
    }
    for (const path of ["/%2e%2e%2fdeno.json", "/..%2fbroker_api.ts", "/static.ts", "/APP.JS"]) {
      assert.equal(await raw(`${b.api}${path}`), 404, path);
    }
  });
});
