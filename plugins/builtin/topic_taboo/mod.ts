/**
 * `topic_taboo`: forbids publishing to, subscribing to and receiving from configured topic
 * filters (aMQTT's `topic_taboo`). Superusers (an authenticate plugin said `superuser: true`)
 * are allowed everything. Other topics get `otherwise` (default `ignore`: the next topic plugin
 * decides; alone, set `allow`).
 *
 * A SUBSCRIBE is refused when a taboo filter covers the requested filter; a wider subscription
 * (`#`) is granted and the taboo messages are withheld from it by the `receive` check.
 *
 * @example
 * ```yaml
 * topic_check: {enable: true, plugins: [taboo]}
 * plugins:
 *   taboo: {source: topic_taboo, config: {topics: ["secret/#", "prohibited"], otherwise: allow}}
 * ```
 *
 * @module
 */

import { definePlugin, filterCovers, topicMatches } from "../../sdk/mod.ts";

/** Config of `topic_taboo`. */
export interface TopicTabooConfig {
  /** Forbidden topic filters. */
  topics: string[];
  /** Answer for topics that are not taboo: `ignore` (next plugin) or `allow`. */
  otherwise: "ignore" | "allow";
}

/** The `topic_taboo` plugin. */
export default definePlugin<TopicTabooConfig>({
  name: "topic_taboo",
  version: "1.0.0",
  description: "Forbids configured topic filters to everyone but superusers",
  config: {
    schema: {
      type: "record",
      name: "TopicTabooConfig",
      fields: [
        { name: "topics", type: { type: "array", items: "string" } },
        {
          name: "otherwise",
          type: { type: "enum", name: "TabooOtherwise", symbols: ["ignore", "allow"] },
          default: "ignore",
        },
      ],
    },
    // aMQTT's built-in list.
    defaults: { topics: ["prohibited", "top-secret", "data/classified"], otherwise: "ignore" },
  },
  hooks: {
    "client.authorize": ({ client, action, topic }, ctx) => {
      if (client.superuser) return { result: "allow" };
      const taboo = ctx.config.topics.some((f) =>
        action === "subscribe" ? filterCovers(f, topic) : topicMatches(f, topic)
      );
      if (taboo) return { result: "deny", reasonCode: 0x87, reason: "Topic is taboo" };
      return { result: ctx.config.otherwise };
    },
  },
});
