import assert from "node:assert/strict";
import { topicMatches } from "../../plugins/sdk/topics.ts";
import { layout } from "./shapes.ts";

Deno.test("layout('wildcard').expected counts what topicMatches() says each subscriber gets", () => {
  const spec = { shape: "wildcard", runId: "r", publishers: 1, subscribers: 48 } as const;
  for (const messages of [10_000, 12_345]) {
    const where = layout({ ...spec, messages });
    const topics = where.topics(0);
    assert.equal(topics.length, 10_000);
    let brute = 0;
    for (let seq = 0; seq < messages; seq++) {
      const topic = topics[seq % topics.length];
      for (let i = 0; i < spec.subscribers; i++) if (topicMatches(where.filter(i), topic)) brute++;
    }
    assert.equal(where.expected, brute, `${messages} messages`);
  }
});
