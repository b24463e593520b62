/**
 * MQTT topics and filters as NATS subjects. Topic levels become subject tokens under
 * `<prefix>.t.` (`<prefix>.d.` for topics whose first level starts with `$`, so that `#` and `+`
 * never reach them, spec 4.7.2); `+` becomes `*`, and `#` becomes `>` plus its parent level
 * (`a/#` also matches `a`). Characters a subject token cannot hold (`.`, `*`, `>`, `%`, spaces,
 * controls, non-ASCII) are percent-encoded from their UTF-8 bytes, and an empty level is `%`
 * alone, so the mapping is one to one. A topic whose subject would be too long travels on
 * `<prefix>.long`, which every node listens to; a filter whose subjects would be too long listens
 * to its whole space. Both are wider than needed: the receiving node matches the topic itself.
 *
 * @module
 */

/** Longest subject used (NATS's control line is 4 KiB by default). */
export const MAX_SUBJECT = 2048;

const SAFE = /^[A-Za-z0-9_\-$+#/=:@,;!~^&|?'"()[\]{}<]+$/;
const ENCODER = new TextEncoder();

/** One topic level as a subject token. */
function token(level: string): string {
  if (level === "") return "%";
  if (SAFE.test(level)) return level;
  let out = "";
  for (const ch of level) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && !".*>%".includes(ch)) {
      out += ch;
      continue;
    }
    for (const byte of ENCODER.encode(ch)) {
      out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
  }
  return out;
}

/** `t` for ordinary topics, `d` for topics (and filters) whose first level starts with `$`. */
function space(first: string): "t" | "d" {
  return first.startsWith("$") ? "d" : "t";
}

/**
 * The subject a message on `topic` is published to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topicSubject } from "./subjects.ts";
 * assert.equal(topicSubject("aviary", "home/kitchen/temp"), "aviary.t.home.kitchen.temp");
 * assert.equal(topicSubject("aviary", "/a.b/ c"), "aviary.t.%.a%2Eb.%20c");
 * assert.equal(topicSubject("aviary", "$app/x"), "aviary.d.$app.x");
 * ```
 */
export function topicSubject(prefix: string, topic: string): string {
  const key = `${prefix} ${topic}`;
  let subject = SUBJECTS.get(key);
  if (subject === undefined) {
    if (SUBJECTS.size >= SUBJECTS_SIZE) SUBJECTS.clear();
    subject = subjectOf(prefix, topic);
    if (topic.length <= 256) SUBJECTS.set(key, subject);
  }
  return subject;
}

/** Subjects of topics published lately (a publish is hot; most topics repeat). */
const SUBJECTS = new Map<string, string>();
const SUBJECTS_SIZE = 4096;

function subjectOf(prefix: string, topic: string): string {
  const levels = topic.split("/");
  const subject = `${prefix}.${space(levels[0])}.${levels.map(token).join(".")}`;
  return subject.length > MAX_SUBJECT ? `${prefix}.long` : subject;
}

/**
 * The subjects a node listens to for the (non-shared) `filter`: one, or two for a filter ending
 * in `#`. Topics too long for a subject arrive on `<prefix>.long` ({@linkcode longSubject}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filterSubjects } from "./subjects.ts";
 * assert.deepEqual(filterSubjects("aviary", "a/+/c"), ["aviary.t.a.*.c"]);
 * assert.deepEqual(filterSubjects("aviary", "a/#"), ["aviary.t.a.>", "aviary.t.a"]);
 * assert.deepEqual(filterSubjects("aviary", "#"), ["aviary.t.>"]);
 * assert.deepEqual(filterSubjects("aviary", "$SYS/#"), ["aviary.d.$SYS.>", "aviary.d.$SYS"]);
 * ```
 */
export function filterSubjects(prefix: string, filter: string): string[] {
  const levels = filter.split("/");
  const base = `${prefix}.${space(levels[0])}`;
  const tokens = levels.map((l) => l === "+" ? "*" : l === "#" ? ">" : token(l));
  const subjects = [`${base}.${tokens.join(".")}`];
  if (tokens.length > 1 && tokens.at(-1) === ">") {
    subjects.push(`${base}.${tokens.slice(0, -1).join(".")}`);
  }
  return subjects[0].length > MAX_SUBJECT ? [`${base}.>`] : subjects;
}

/** The subject of topics too long for their own subject; every node listens to it. */
export function longSubject(prefix: string): string {
  return `${prefix}.long`;
}

/**
 * The NATS queue group of the shared subscription `$share/{group}/{filter}`: one per group and
 * filter, as MQTT counts them (NATS would merge equal queue names across subjects).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queueName } from "./subjects.ts";
 * assert.equal(queueName("g1", "a/+"), "g1%2Fa%2F%2B");
 * assert.equal(queueName("g1", "a.b/#"), "g1%2Fa%2Eb%2F%23"); // a group name has no "/"
 * ```
 */
export function queueName(group: string, filter: string): string {
  return encodeURIComponent(`${group}/${filter}`).replaceAll(".", "%2E").replaceAll("*", "%2A");
}
