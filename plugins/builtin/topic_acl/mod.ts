/**
 * `topic_acl`: who may publish, subscribe and receive what (aMQTT's `topic_acl` with
 * `publish-acl`, `subscribe-acl`, `receive-acl` maps of username -> filters, `anonymous` for
 * clients without a username), plus Mosquitto-style `patterns` for every client with `%u` and
 * `%c`. A checked action that matches no rule gets `default` (deny unless set to allow); an
 * action with neither a map nor patterns is not checked. Superusers are allowed everything.
 *
 * Denial: SUBACK 0x87 for that filter, PUBACK/PUBREC 0x87 on MQTT 5 (a 3.1.1 publish is dropped
 * silently), and a denied `receive` withholds the message from that subscriber.
 *
 * @example
 * ```yaml
 * topic_check: {enable: true, plugins: [acl]}
 * plugins:
 *   acl:
 *     source: topic_acl
 *     config:
 *       publish-acl: {alice: ["sensors/#"], anonymous: []}
 *       subscribe-acl: {alice: ["sensors/#", "alerts/+"]}
 *       patterns: {publish: ["devices/%c/#"], subscribe: ["users/%u/#"]}
 *       default: deny
 * ```
 *
 * @module
 */

import { definePlugin } from "../../sdk/mod.ts";
import { type AclRules, parseAclConfig, permits } from "./rules.ts";

// One entry per alias: an in-process (isolation: none) module is shared by its aliases.
const rules = new Map<string, AclRules>();

/** The `topic_acl` plugin. Its config has no Avro schema (dashed keys); setup validates it. */
export default definePlugin({
  name: "topic_acl",
  version: "1.0.0",
  description: "aMQTT publish/subscribe/receive ACLs per username, Mosquitto %u/%c patterns",
  setup(ctx) {
    rules.set(ctx.alias, parseAclConfig(ctx.config));
  },
  stop(ctx) {
    rules.delete(ctx.alias);
  },
  hooks: {
    "client.authorize": ({ client, action, topic }, ctx) => {
      if (client.superuser) return { result: "allow" };
      const r = rules.get(ctx.alias);
      if (!r) return { result: "deny", reason: "ACL not loaded" };
      const ok = permits(r, client, action, topic) ?? true;
      if (ok || r.default === "allow") return { result: "allow" };
      return { result: "deny", reasonCode: 0x87, reason: `Not authorized to ${action} ${topic}` };
    },
  },
});
