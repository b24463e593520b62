/**
 * MQTT topic filter matching, for plugins that check topics (ACLs, taboos, routing).
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
 * console.log(topicMatches("home/+/temp", "home/kitchen/temp")); // true
 * console.log(topicMatches("#", "$SYS/broker/uptime")); // false
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
 * console.log(filterCovers("sensors/#", "sensors/+/temp")); // true
 * console.log(filterCovers("sensors/+", "sensors/#")); // false
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
