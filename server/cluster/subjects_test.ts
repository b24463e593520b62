import assert from "node:assert/strict";
import { filterSubjects, MAX_SUBJECT, queueName, topicSubject } from "./subjects.ts";

Deno.test("topicSubject() escapes what a subject token cannot hold, one to one", () => {
  const topics = ["a.b", "a%2Eb", "a b", "a*", "a>", ">", "*", "", "/", "//", "ü/€", "a\tb", "%"];
  const subjects = topics.map((t) => topicSubject("p", t));
  assert.equal(new Set(subjects).size, topics.length);
  for (const s of subjects) {
    const tokens = s.split(".");
    assert.ok(tokens.every((t) => t.length > 0 && t !== "*" && t !== ">"), s);
    assert.ok([...s].every((c) => c > " " && c < "\x7f"), s);
  }
});

Deno.test("$ topics live apart: '#' and '+' filters never subscribe to them [MQTT-4.7.2-1]", () => {
  assert.ok(topicSubject("p", "$SYS/x").startsWith("p.d."));
  for (const f of ["#", "+/x", "+"]) {
    for (const s of filterSubjects("p", f)) assert.ok(s.startsWith("p.t."), s);
  }
});

Deno.test("filterSubjects(): '+' matches an empty level, '#' its parent [MQTT-4.7.1-2]", () => {
  assert.equal(topicSubject("p", "a//c"), "p.t.a.%.c"); // '*' matches the '%' token
  assert.deepEqual(filterSubjects("p", "a/+/c"), ["p.t.a.*.c"]);
  assert.deepEqual(filterSubjects("p", "a/#"), ["p.t.a.>", "p.t.a"]);
});

Deno.test("too long subjects fall back to wider ones", () => {
  const long = "x".repeat(MAX_SUBJECT);
  assert.equal(topicSubject("p", long), "p.long");
  assert.deepEqual(filterSubjects("p", `${long}/#`), ["p.t.>"]);
});

Deno.test("queueName() is one token per group and filter", () => {
  assert.notEqual(queueName("g", "a/+"), queueName("g", "a/#"));
  assert.ok(!/[.*> ]/.test(queueName("g.x", "a b/*/>")));
});
