// Issue 9 item 8 (packages): an upload over the size limit is refused with 413 while it streams
// in, and a gzip bomb is refused while it inflates, before the broker's memory grows (the
// broker runs in this process: VmRSS is its RSS). A real MQTT client is served throughout.
import assert from "node:assert/strict";
import { call, startAdminBroker, Watcher } from "./fixtures/admin_broker.ts";
import { gzipBomb, listDir, rssMiB, upload } from "./fixtures/admin_tar.ts";
import { PACKAGE_LIMITS } from "../../plugins/host/package_limits.ts";

async function withBroker(
  fn: (b: Awaited<ReturnType<typeof startAdminBroker>>, w: Watcher, data: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const b = await startAdminBroker(`${dir}/data`);
  const w = await Watcher.open(b.url);
  try {
    await fn(b, w, `${dir}/data`);
    await w.assertServing("the end of the test");
  } finally {
    await w.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const BOMBS: [string, number, number, RegExp][] = [
  ["one 200 MB file", 1, 200 * 1024 * 1024, /unpacked|larger/],
  ["100 files of 1 MB", 100, 1024 * 1024, /unpacked|larger/],
  ["2,000 empty files", 2000, 0, /entries|files/],
];

for (const [label, count, size, why] of BOMBS) {
  Deno.test(`Admin: a gzip bomb (${label}) is refused while it inflates; RSS stays bounded`, async () => {
    const bomb = await gzipBomb(count, size);
    assert.ok(bomb.length < PACKAGE_LIMITS.uploadBytes, `bomb is ${bomb.length} bytes`);
    await withBroker(async (b, w, data) => {
      const before = rssMiB();
      const during = w.assertServing(`during ${label}`);
      const r = await call(b.api, "POST", "/plugins/install", upload(bomb));
      await during;
      const growth = rssMiB() - before;
      assert.equal(r.status, 413, JSON.stringify(r.body));
      assert.equal(r.body.code, "TOO_LARGE");
      assert.match(String(r.body.message), why);
      assert.ok(growth < 200, `RSS grew by ${growth.toFixed(0)} MiB`);
      assert.deepEqual(listDir(`${data}/plugins/packages`), [], "staging files left behind");
      await w.assertServing(`after ${label}`);
    });
  });
}

Deno.test("Admin: an upload over the limit is refused (413), with or without Content-Length", async () => {
  await withBroker(async (b, w) => {
    const big = crypto.getRandomValues(new Uint8Array(65536));
    const chunks = Math.ceil((PACKAGE_LIMITS.uploadBytes + 1) / big.length) + 1;
    const before = rssMiB();
    const r = await call(
      b.api,
      "POST",
      "/plugins/install",
      upload(new Uint8Array(chunks * big.length).fill(7)),
    );
    assert.equal(r.status, 413, JSON.stringify(r.body));
    assert.equal(r.body.code, "TOO_LARGE");
    assert.match(String(r.body.message), /upload|MiB/);
    await w.assertServing("oversize upload");

    // Streamed (chunked): no Content-Length to trust, counted as it arrives.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ === chunks) return c.close();
        c.enqueue(big.slice());
      },
    });
    const res = await fetch(`${b.api}/api/v1/plugins/install`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: stream,
    }).catch((err) => err as Error);
    if (res instanceof Response) {
      assert.equal(res.status, 413);
      assert.equal((await res.json()).code, "TOO_LARGE");
    } // else: the server closed the connection mid-upload, which also refuses it
    await stream.cancel().catch(() => {});
    assert.ok(rssMiB() - before < 200);
    await w.assertServing("streamed oversize upload");
  });
});
