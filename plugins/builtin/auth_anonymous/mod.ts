/**
 * `auth_anonymous`: lets clients without a username in (aMQTT's `auth_anonymous`, Mosquitto's
 * per-listener `allow_anonymous`), optionally only on some listeners. Anything else is left to
 * the next plugin (ignore), so it combines with `auth_file`.
 *
 * @example
 * ```yaml
 * auth: {allow_anonymous: false, plugins: [anonymous, passwords]}
 * plugins:
 *   anonymous: {source: auth_anonymous, config: {listeners: [local]}}
 * ```
 *
 * @module
 */

import { definePlugin } from "../../sdk/mod.ts";

/** Config of `auth_anonymous`. */
export interface AuthAnonymousConfig {
  /** Listener names (keys under `listeners:`) where anonymous clients are allowed; null = all. */
  listeners: string[] | null;
}

/** The `auth_anonymous` plugin. */
export default definePlugin<AuthAnonymousConfig>({
  name: "auth_anonymous",
  version: "1.0.0",
  description: "Allows clients without a username, optionally only on chosen listeners",
  config: {
    schema: {
      type: "record",
      name: "AuthAnonymousConfig",
      fields: [{
        name: "listeners",
        type: ["null", { type: "array", items: "string" }],
        default: null,
      }],
    },
    defaults: { listeners: null },
  },
  hooks: {
    "client.authenticate": ({ client }, ctx) => {
      if (client.username !== null) return { result: "ignore" };
      const { listeners } = ctx.config;
      return listeners === null || listeners.includes(client.listener)
        ? { result: "allow" }
        : { result: "ignore" };
    },
  },
});
