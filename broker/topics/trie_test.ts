import assert from "node:assert/strict";
import { TopicTrie } from "./trie.ts";
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
