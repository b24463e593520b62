import assert from "node:assert/strict";
import { ROUTE_CACHE_SIZE, ROUTE_CACHE_TOPIC_LENGTH, TopicTrie } from "./trie.ts";
import { topicMatches } from "./validate.ts";

function owners(trie: TopicTrie<number>, topic: string): string[] {
  const seen: string[] = [];
  trie.match(topic, (owner) => seen.push(owner));
  return seen.sort();
}

Deno.test("TopicTrie.match() agrees with topicMatches() on a grid of filters and topics", () => {
  const filters = [
    "#",
    "+",
    "a",
    "a/#",
    "a/+",
    "a/b",
    "+/b",
    "+/+",
    "a/b/#",
    "$SYS/#",
    "+/b/c",
    "/",
    "/+",
  ];
  const topics = ["a", "a/b", "a/b/c", "b", "/", "/x", "$SYS/x", "a/", "x/b"];
  const trie = new TopicTrie<number>();
  filters.forEach((f, i) => trie.add(f, f, i));
  for (const topic of topics) {
    assert.deepEqual(
      owners(trie, topic),
      filters.filter((f) => topicMatches(f, topic)).sort(),
      topic,
    );
  }
});

Deno.test("TopicTrie.remove() prunes empty branches and keeps size right", () => {
  const trie = new TopicTrie<number>();
  assert.equal(trie.add("a/b/c", "x", 1), false);
  assert.equal(trie.add("a/b/c", "x", 2), true);
  trie.add("a/b", "y", 3);
  assert.equal(trie.size, 2);
  assert.equal(trie.remove("a/b/c", "x"), true);
  assert.equal(trie.remove("a/b/c", "x"), false);
  assert.deepEqual(owners(trie, "a/b"), ["y"]);
  assert.equal(trie.size, 1);
});

Deno.test("TopicTrie.match() walks a topic 40,000 levels deep without running out of stack", () => {
  const trie = new TopicTrie<number>();
  trie.add("#", "all", 1);
  trie.add("+/#", "plus", 2);
  const deep = new Array(40_000).fill("a").join("/");
  trie.add(deep, "exact", 3);
  assert.deepEqual(owners(trie, deep), ["all", "exact", "plus"]);
});

Deno.test("TopicTrie.match() sees filters added or emptied after a topic was routed (route cache)", () => {
  const trie = new TopicTrie<number>();
  assert.deepEqual(owners(trie, "a/b"), []);
  trie.add("a/+", "c1", 1);
  assert.deepEqual(owners(trie, "a/b"), ["c1"]);
  trie.add("a/+", "c2", 2); // a second owner of a filter already matched
  trie.add("#", "c3", 3);
  assert.deepEqual(owners(trie, "a/b"), ["c1", "c2", "c3"]);
  trie.remove("a/+", "c1");
  assert.deepEqual(owners(trie, "a/b"), ["c2", "c3"]);
  trie.remove("a/+", "c2"); // the filter's last owner
  trie.remove("#", "c3");
  assert.deepEqual(owners(trie, "a/b"), []);
});

Deno.test("TopicTrie.match() stays right past the route cache's bounds (many and long topics)", () => {
  const trie = new TopicTrie<number>();
  trie.add("t/+", "c1", 1);
  const long = "t/" + "x".repeat(ROUTE_CACHE_TOPIC_LENGTH);
  assert.deepEqual(owners(trie, long), ["c1"]);
  for (let i = 0; i < ROUTE_CACHE_SIZE + 10; i++) assert.equal(owners(trie, `t/${i}`).length, 1);
  trie.add(long, "c2", 2);
  assert.deepEqual(owners(trie, long), ["c1", "c2"]);
  assert.deepEqual(owners(trie, "t/0"), ["c1"]);
  assert.deepEqual(owners(trie, "u/0"), []);
});

Deno.test("TopicTrie.match() keeps `$` topics away from wildcards at the first level only [MQTT-4.7.2-1]", () => {
  const trie = new TopicTrie<number>();
  for (const f of ["#", "+/x", "$SYS/#", "$SYS/+", "+/+"]) trie.add(f, f, 0);
  assert.deepEqual(owners(trie, "$SYS/x"), ["$SYS/#", "$SYS/+"]);
  assert.deepEqual(owners(trie, "a$/x"), ["#", "+/+", "+/x"]);
});
