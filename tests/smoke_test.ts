import assert from "node:assert/strict";
import { connect, end, nextMessage, startTestBroker } from "./helpers.ts";

Deno.test("smoke: v5 and v3.1.1 pub/sub over TCP", async () => {
  const broker = await startTestBroker();
  try {
    for (const protocolVersion of [4, 5] as const) {
      const sub = await connect(broker.url, { protocolVersion });
      const pub = await connect(broker.url, { protocolVersion });
      await sub.subscribeAsync("a/#", { qos: 2 });
      const got = nextMessage(sub);
      await pub.publishAsync("a/b", "hi", { qos: 2 });
      const m = await got;
      assert.equal(m.topic, "a/b");
      assert.equal(m.payload, "hi");
      await end(sub);
      await end(pub);
    }
  } finally {
    await broker.close();
  }
});
