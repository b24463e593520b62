/**
 * The one redaction of the broker's config for plugins (`ctx.broker.config()`, typed as
 * `BrokerConfigView` in `plugins/sdk/config_view.ts`): a deep copy without `plugins` (other
 * plugins' entries and their secrets), with the caller's own entry as `plugin`, every secret
 * replaced by {@linkcode REDACTED}, deep-frozen. `config_view_test.ts` walks the config schema
 * and proves that every secret-bearing field is covered.
 *
 * @module
 */

import { REDACTED } from "../sdk/config_view.ts";

/** Fields whose value is a secret or leads to one, by name (admin credentials whole). */
const SECRET_FIELDS = new Set([
  "key", // a listener's TLS private key file
  "tls_key", // the NATS client certificate's private key file
  "credentials", // a NATS .creds file
  "password_hash",
  "secret_hash",
  "users", // admin users: names and password hashes
  "api_keys", // admin API keys: ids and secret hashes
]);

/** Any field a later section adds whose name says it holds a secret is redacted as well. */
const SECRET_NAME = /pass|secret|token|credential|private|(^|_)keys?$|_hash$/i;

/**
 * Whether a config field (by name) is redacted in a plugin's view.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSecretField } from "./config_view.ts";
 * assert.equal(isSecretField("password_hash"), true);
 * assert.equal(isSecretField("max_keepalive"), false);
 * ```
 */
export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name) || SECRET_NAME.test(name);
}

function redact(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object" || depth > 16) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const empty = v === null || v === "" || (Array.isArray(v) && v.length === 0);
    out[k] = isSecretField(k) && !empty ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

/**
 * Freezes a plain value and everything in it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deepFreeze } from "./config_view.ts";
 * const v = deepFreeze({ a: { b: [1] } });
 * assert.ok(Object.isFrozen(v.a.b));
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The view of `config` (the effective broker config) a plugin `alias` with entry `entry` gets:
 * secrets redacted, `plugins` replaced by its own entry, deep-frozen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pluginConfigView } from "./config_view.ts";
 * const config = {
 *   mqtt: { max_packet_size: 1024 },
 *   admin: { users: [{ username: "root", password_hash: "pbkdf2$..." }] },
 *   plugins: { other: { source: "x.ts", config: { token: "t0p" } } },
 * };
 * const view = pluginConfigView(config, "me", { source: "./me.ts", config: { a: 1 } });
 * assert.equal(JSON.stringify(view).includes("pbkdf2"), false);
 * assert.equal("plugins" in view, false);
 * assert.deepEqual(view.plugin, { alias: "me", source: "./me.ts", config: { a: 1 } });
 * ```
 */
export function pluginConfigView(
  config: Record<string, unknown>,
  alias: string,
  entry: Record<string, unknown> | null,
): Record<string, unknown> & { plugin: Record<string, unknown> } {
  const { plugins: _others, ...rest } = config;
  const { config: own, ...entryRest } = entry ?? {};
  const plugin = {
    alias,
    ...redact(structuredClone(entryRest), 0) as Record<string, unknown>,
    // The plugin's own config is its own (its secrets included).
    ...(own === undefined ? {} : { config: structuredClone(own) }),
  };
  return deepFreeze({ ...redact(structuredClone(rest), 0) as Record<string, unknown>, plugin });
}
