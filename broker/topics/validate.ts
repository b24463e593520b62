/**
 * Topic name and topic filter rules (MQTT 5 spec 4.7, 4.8.2).
 *
 * @module
 */

export { isValidTopicFilter, isValidTopicName, topicMatches } from "../../plugins/sdk/topics.ts";
import { isValidTopicFilter } from "../../plugins/sdk/topics.ts";

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
 * import { equal } from "node:assert/strict";
 * equal(parseSharedFilter("$share/g/a/#")?.group, "g");
 * equal(parseSharedFilter("a/#"), null);
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
