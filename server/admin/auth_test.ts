import assert from "node:assert/strict";
import { AdminAuth, hashSecret } from "./auth.ts";

Deno.test("AdminAuth: a key removed by a config reload stops working at once (no cached pass)", async () => {
  const config = {
    users: [],
    api_keys: [{ key_id: "ops", secret_hash: await hashSecret("s3cret") }],
  };
  const auth = new AdminAuth(config);
  const header = "Bearer ops:s3cret";
  assert.deepEqual(await auth.check(header), { kind: "api_key", name: "ops" });
  assert.deepEqual(await auth.check(header), { kind: "api_key", name: "ops" }); // cached
  (config as { api_keys: unknown[] }).api_keys = []; // what a SIGHUP reload does
  assert.equal(await auth.check(header), null);
  assert.equal(await auth.check("Bearer ops:wrong"), null);
});
