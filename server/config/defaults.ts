/**
 * The built-in config used when the broker starts without a config file. It is YAML text in a
 * TypeScript constant so that `deno compile` needs no extra file, and it goes through the same
 * parser and checks as a config file.
 *
 * @module
 */
import { type AvroValue, BROKER_SCHEMA, validateAvro } from "../../schema/mod.ts";
import type { ListenerConfig } from "./types.ts";

/**
 * The built-in config: one tcp listener on the loopback interface only (like Mosquitto 2),
 * anonymous clients allowed because nobody else can reach it, every other key at its default.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG_YAML } from "./defaults.ts";
 * import { parse } from "yaml";
 * import assert from "node:assert/strict";
 *
 * const raw = parse(DEFAULT_CONFIG_YAML);
 * assert.equal(raw.listeners.default.bind, "127.0.0.1:1883");
 * assert.equal(raw.auth.allow_anonymous, true);
 * ```
 */
export const DEFAULT_CONFIG_YAML = `\
# Aviary's built-in config, used when no config file is given.
# Like Mosquitto 2, it listens on the loopback interface only.
listeners:
  default:
    type: tcp
    bind: "127.0.0.1:1883"
log:
  level: info
  format: text
auth:
  # Local-only: anonymous clients are fine because only this machine can connect.
  # The schema default is false: a config file that opens a listener to the network
  # must say allow_anonymous: true itself (or configure an auth plugin).
  allow_anonymous: true
`;

/** The name under which errors in {@linkcode DEFAULT_CONFIG_YAML} are reported. */
export const DEFAULT_CONFIG_NAME = "(built-in default)";

/** The schema's defaults of a `listeners:` entry (`type` and `bind` are required, so given). */
const { type: _type, bind: _bind, ...LISTENER_DEFAULTS } = validateAvro<
  AvroValue<typeof BROKER_SCHEMA>
>(BROKER_SCHEMA, { listeners: { _: { type: "tcp", bind: "" } } }).value.listeners._;

/**
 * A listener entry with every default filled in from the schema (what a `listeners:` entry that
 * names only `type` and `bind` becomes), for code that adds listeners.
 *
 * @example
 * ```ts
 * import { listenerConfig } from "./defaults.ts";
 * import assert from "node:assert/strict";
 *
 * const ws = listenerConfig({ type: "ws", bind: "127.0.0.1:8080" });
 * assert.equal(ws.path, "/mqtt");
 * assert.equal(ws.cert, null);
 * ```
 */
export function listenerConfig(
  fields: Pick<ListenerConfig, "type" | "bind"> & Partial<ListenerConfig>,
): ListenerConfig {
  return { ...LISTENER_DEFAULTS, ...fields };
}
