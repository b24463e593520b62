/**
 * The rules of `topic_acl`, read from a config written the aMQTT way (`publish-acl`,
 * `subscribe-acl`, `receive-acl`; underscores work too) plus Mosquitto-style `patterns` with
 * `%u` (username) and `%c` (client id).
 *
 * @module
 */

import {
  type AuthorizeAction,
  type ClientInfo,
  filterCovers,
  topicMatches,
} from "../../sdk/mod.ts";

/** The rules for one action: filters per username (`anonymous` = no username) and patterns. */
export interface ActionRules {
  users: Map<string, string[]>;
  patterns: string[];
}

/** Every rule of one `topic_acl` instance. */
export interface AclRules {
  /** Null: the action is not checked (allowed), as in aMQTT when its map is absent. */
  actions: Record<AuthorizeAction, ActionRules | null>;
  /** Answer when a checked action matches no rule. */
  default: "allow" | "deny";
}

const ACTIONS: readonly AuthorizeAction[] = ["publish", "subscribe", "receive"];

function pick(config: Record<string, unknown>, key: string): unknown {
  return config[`${key}-acl`] ?? config[`${key}_acl`];
}

function filterList(value: unknown, where: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")) {
    return value as string[];
  }
  throw new TypeError(`config field "${where}": expected a list of topic filters`);
}

/**
 * Reads a `topic_acl` config; throws a TypeError naming the bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAclConfig } from "./rules.ts";
 * const r = parseAclConfig({ "publish-acl": { alice: ["a/#"] }, default: "deny" });
 * assert.deepEqual(r.actions.publish?.users.get("alice"), ["a/#"]);
 * assert.equal(r.actions.receive, null);
 * ```
 */
export function parseAclConfig(config: Record<string, unknown>): AclRules {
  const known = new Set(["default", "patterns"]);
  for (const a of ACTIONS) known.add(`${a}-acl`).add(`${a}_acl`);
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new TypeError(`unknown config field(s): ${unknown.join(", ")}`);
  const def = config.default ?? "deny";
  if (def !== "allow" && def !== "deny") {
    throw new TypeError(
      `config field "default": expected allow or deny, got ${JSON.stringify(def)}`,
    );
  }
  const patterns = (config.patterns ?? {}) as Record<string, unknown>;
  if (typeof patterns !== "object" || Array.isArray(patterns)) {
    throw new TypeError(`config field "patterns": expected a map of action -> filters`);
  }
  for (const k of Object.keys(patterns)) {
    if (!(ACTIONS as string[]).includes(k)) {
      throw new TypeError(`config field "patterns.${k}": expected publish, subscribe or receive`);
    }
  }
  const actions = {} as AclRules["actions"];
  for (const action of ACTIONS) {
    const map = pick(config, action);
    const pats = patterns[action];
    if (map === undefined && pats === undefined) {
      actions[action] = null;
      continue;
    }
    if (map !== undefined && (typeof map !== "object" || map === null || Array.isArray(map))) {
      throw new TypeError(`config field "${action}-acl": expected a map of username -> filters`);
    }
    const users = new Map<string, string[]>();
    for (const [user, list] of Object.entries(map ?? {})) {
      users.set(user, filterList(list, `${action}-acl.${user}`));
    }
    actions[action] = {
      users,
      patterns: pats === undefined ? [] : filterList(pats, `patterns.${action}`),
    };
  }
  return { actions, default: def };
}

/** `%u` and `%c` substituted; null when a value would smuggle in a wildcard or a level. */
function expand(pattern: string, client: ClientInfo): string | null {
  let bad = false;
  const out = pattern.replace(/%[uc]/g, (m) => {
    const v = m === "%u" ? client.username : client.clientId;
    if (v === null || v === "" || /[+#/]/.test(v)) bad = true;
    return v ?? "";
  });
  return bad ? null : out;
}

/**
 * Whether the rules let `client` do `action` on `topic` (a filter for subscribe): true / false,
 * or null when the action is not checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAclConfig, permits } from "./rules.ts";
 * const rules = parseAclConfig({ patterns: { publish: ["devices/%c/#"] } });
 * const client = { clientId: "d1", username: null } as never;
 * assert.equal(permits(rules, client, "publish", "devices/d1/temp"), true);
 * ```
 */
export function permits(
  rules: AclRules,
  client: ClientInfo,
  action: AuthorizeAction,
  topic: string,
): boolean | null {
  const r = rules.actions[action];
  if (!r) return null;
  const filters = [...(r.users.get(client.username ?? "anonymous") ?? [])];
  for (const p of r.patterns) {
    const f = expand(p, client);
    if (f !== null) filters.push(f);
  }
  const match = action === "subscribe" ? filterCovers : topicMatches;
  return filters.some((f) => match(f, topic));
}
