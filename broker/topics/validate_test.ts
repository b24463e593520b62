import assert from "node:assert/strict";
import {
  isValidTopicFilter,
  isValidTopicName,
  parseSharedFilter,
  topicMatches,
} from "./validate.ts";

Deno.test("isValidTopicName() rejects wildcards, NUL and empty [MQTT-3.3.2-2]", () => {
  assert.ok(isValidTopicName("a/b"));
  assert.ok(isValidTopicName("/"));
  for (const bad of ["", "a/#", "a/+", "a\u0000b"]) assert.equal(isValidTopicName(bad), false, bad);
});

Deno.test("isValidTopicFilter() applies the '#' and '+' placement rules [MQTT-4.7.1-1] [MQTT-4.7.1-2]", () => {
  for (const ok of ["#", "+", "a/#", "+/+", "a/+/c", "/"]) assert.ok(isValidTopicFilter(ok), ok);
  for (const bad of ["", "a/#/b", "a#", "a+", "#a", "a/b+"]) {
    assert.equal(isValidTopicFilter(bad), false, bad);
  }
});

Deno.test("parseSharedFilter() splits $share/group/filter and rejects malformed ones", () => {
  assert.deepEqual(parseSharedFilter("$share/g/a/+"), { group: "g", filter: "a/+" });
  assert.equal(parseSharedFilter("a/b"), null);
  assert.equal(parseSharedFilter("$share/g"), undefined);
  assert.equal(parseSharedFilter("$share//a"), undefined);
  assert.equal(parseSharedFilter("$share/g+/a"), undefined);
});

Deno.test("topicMatches() follows the matching rules and hides $ topics from leading wildcards [MQTT-4.7.2-1]", () => {
  assert.ok(topicMatches("sport/#", "sport"));
  assert.ok(topicMatches("sport/+", "sport/"));
  assert.ok(topicMatches("+/+", "/finance"));
  assert.equal(topicMatches("+", "/finance"), false);
  assert.equal(topicMatches("#", "$SYS/uptime"), false);
  assert.equal(topicMatches("+/uptime", "$SYS/uptime"), false);
  assert.ok(topicMatches("$SYS/#", "$SYS/uptime"));
});
