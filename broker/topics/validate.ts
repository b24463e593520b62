/**
 * Topic name and topic filter rules (MQTT 5 spec 4.7, 4.8.2).
 *
 * @module
 */

/**
 * Whether `topic` is a valid topic name for PUBLISH: non-empty, no wildcards, no NUL
 * (spec [MQTT-4.7.3-1], [MQTT-3.3.2-2]).
 *
 * @example
 * ```ts
 * import { isValidTopicName } from "./validate.ts";
 * console.assert(isValidTopicName("a/b") && !isValidTopicName("a/#"));
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
 * import { isValidTopicFilter } from "./validate.ts";
 * console.assert(isValidTopicFilter("a/+/#") && !isValidTopicFilter("a/b#"));
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

/** A `$share/{group}/{filter}` subscription split into its parts. */
export interface SharedFilter {
  group: string;
  filter: string;
}

/**
 * Splits a shared subscription filter; returns `null` for an ordinary filter and `undefined`
 * for a malformed shared one (spec 4.8.2).
 *
 * @example
 * ```ts
 * import { parseSharedFilter } from "./validate.ts";
 * console.assert(parseSharedFilter("$share/g/a/#")?.group === "g");
 * console.assert(parseSharedFilter("a/#") === null);
 * ```
 */
export function parseSharedFilter(filter: string): SharedFilter | null | undefined {
  if (!filter.startsWith("$share/")) return null;
  const rest = filter.slice(7);
  const slash = rest.indexOf("/");
  if (slash <= 0) return undefined;
  const group = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  if (group.includes("+") || group.includes("#") || !isValidTopicFilter(inner)) return undefined;
  return { group, filter: inner };
}

/**
 * Whether topic name `topic` matches `filter`; a leading wildcard never matches a `$` topic
 * (spec [MQTT-4.7.2-1]).
 *
 * @example
 * ```ts
 * import { topicMatches } from "./validate.ts";
 * console.assert(topicMatches("a/+/c", "a/b/c") && !topicMatches("#", "$SYS/x"));
 * ```
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
