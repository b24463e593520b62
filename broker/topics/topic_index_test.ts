import assert from "node:assert/strict";
import { TopicIndex } from "./topic_index.ts";
import { topicMatches } from "./validate.ts";

function found(index: TopicIndex<string>, filter: string): string[] {
  const seen: string[] = [];
  index.match(filter, (topic) => seen.push(topic));
  return seen;
}

Deno.test("TopicIndex.match() agrees with topicMatches() on a grid of filters and topics [MQTT-4.7.1-2] [MQTT-4.7.2-1]", () => {
  const topics = ["a", "a/b", "a/b/c", "b", "/", "/x", "$SYS/x", "$SYS", "a/", "x/b", "a//c"];
  const filters = ["#", "+", "a", "a/#", "a/+", "a/b", "+/b", "+/+", "a/b/#", "$SYS/#", "+/b/c"]
    .concat(["/", "/+", "+/#", "a/+/c", "$SYS/+", "$SYS", "+/+/+", "a//#", "a/+/+"]);
  const index = new TopicIndex<string>();
  for (const t of topics) index.set(t, t);
  for (const f of filters) {
    assert.deepEqual(found(index, f).sort(), topics.filter((t) => topicMatches(f, t)).sort(), f);
  }
});

Deno.test("TopicIndex.match() yields topics in insertion order within each level", () => {
  const index = new TopicIndex<string>();
  for (const t of ["r/2/b", "r/1/a", "r/2/a", "r"]) index.set(t, t);
  assert.deepEqual(found(index, "r/#"), ["r", "r/2/b", "r/2/a", "r/1/a"]);
  assert.deepEqual(found(index, "r/+/a"), ["r/2/a", "r/1/a"]);
});

Deno.test("TopicIndex.delete() prunes empty branches; set() replaces and counts once", () => {
  const index = new TopicIndex<string>();
  assert.equal(index.set("a/b/c", "1"), false);
  assert.equal(index.set("a/b/c", "2"), true);
  index.set("a", "3");
  assert.equal(index.size, 2);
  assert.equal(index.get("a/b/c"), "2");
  assert.equal(index.delete("a/b"), false); // a branch, not a topic
  assert.equal(index.delete("a/b/c"), true);
  assert.equal(index.delete("a/b/c"), false);
  assert.equal(index.get("a/b/c"), undefined);
  assert.deepEqual(found(index, "#"), ["3"]);
  assert.equal(index.size, 1);
});

Deno.test("TopicIndex handles topics 40,000 levels deep and 100,000 topics under `#`", () => {
  const index = new TopicIndex<string>();
  const deep = new Array(40_000).fill("d").join("/");
  index.set(deep, "deep");
  assert.deepEqual(found(index, "#"), ["deep"]);
  assert.deepEqual(found(index, deep.replace(/d$/, "+")), ["deep"]);
  assert.equal(index.delete(deep), true);
  for (let i = 0; i < 100_000; i++) index.set(`m/${i >> 10}/${i & 1023}`, "x");
  assert.equal(found(index, "#").length, 100_000);
  assert.equal(found(index, "m/3/+").length, 1024);
});
