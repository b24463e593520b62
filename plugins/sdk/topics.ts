/**
 * MQTT topic names and filters: validity and matching (spec 4.7), for the broker and for plugins
 * that check topics (ACLs, taboos, routing).
 *
 * @module
 */

/**
 * Whether `topic` (a topic name) matches `filter` (with `+` and `#` wildcards). As the MQTT spec
 * says, a filter starting with a wildcard does not match topics starting with `$` (`$SYS/...`).
 *
 * @example
 * ```ts
 * import { topicMatches } from "./topics.ts";
 * import { equal } from "node:assert/strict";
 * equal(topicMatches("home/+/temp", "home/kitchen/temp"), true);
 * equal(topicMatches("#", "$SYS/broker/uptime"), false);
 * ```
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether every topic `inner` (a filter) can match is also matched by `outer`: the check for a
 * SUBSCRIBE against an allow-list of filters (`a/#` covers `a/+/b`; `a/+` does not cover `a/#`).
 *
 * @example
 * ```ts
 * import { filterCovers } from "./topics.ts";
 * import { equal } from "node:assert/strict";
 * equal(filterCovers("sensors/#", "sensors/+/temp"), true);
 * equal(filterCovers("sensors/+", "sensors/#"), false);
 * ```
 */
export function filterCovers(outer: string, inner: string): boolean {
  if (inner.startsWith("$") && /^[+#]/.test(outer)) return false;
  const o = outer.split("/");
  const i = inner.split("/");
  for (let k = 0; k < o.length; k++) {
    if (o[k] === "#") return k === o.length - 1;
    if (k >= i.length) return false;
    if (i[k] === "#") return false;
    if (o[k] !== "+" && (i[k] === "+" || o[k] !== i[k])) return false;
  }
  return o.length === i.length;
}

/**
 * Whether `topic` is a valid topic name for PUBLISH: non-empty, no wildcards, no NUL
 * (spec [MQTT-4.7.3-1], [MQTT-3.3.2-2]).
 *
 * @example
 * ```ts
 * import { isValidTopicName } from "./topics.ts";
 * import { ok } from "node:assert/strict";
 * ok(isValidTopicName("a/b") && !isValidTopicName("a/#"));
 * ```
 */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x23 /* # */ || c === 0x2b /* + */ || c === 0) return false;
  }
  return true;
}

/**
 * Whether `filter` is a valid topic filter: `#` only last and alone in its level, `+` alone in its
 * level (spec [MQTT-4.7.1-1], [MQTT-4.7.1-2]).
 *
 * @example
 * ```ts
 * import { isValidTopicFilter } from "./topics.ts";
 * import { ok } from "node:assert/strict";
 * ok(isValidTopicFilter("a/+/#") && !isValidTopicFilter("a/b#"));
 * ```
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes("\u0000")) return false;
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) return false;
    if (level.includes("+") && level !== "+") return false;
  }
  return true;
}
