/**
 * Typed errors of the plugin host.
 *
 * @module
 */

/**
 * Something a plugin did or failed to do; names the plugin alias and, when known, the hookpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PluginError } from "./errors.ts";
 * const e = new PluginError("acl", "hook threw: boom", "client.authorize");
 * assert.equal(e.alias, "acl");
 * assert.equal(e.hook, "client.authorize");
 * ```
 */
export class PluginError extends Error {
  override name = "PluginError";
  /** The plugin alias (key under `plugins:`). */
  readonly alias: string;
  /** The hookpoint involved, if any. */
  readonly hook: string | undefined;

  constructor(alias: string, message: string, hook?: string, options?: ErrorOptions) {
    super(message, options);
    this.alias = alias;
    this.hook = hook;
  }
}

/**
 * A plugin was refused at load; the message reads ``Cannot load plugin "x": <why>``.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PluginLoadError } from "./errors.ts";
 * const e = new PluginLoadError("x", "integrity mismatch");
 * assert.equal(e.message, 'Cannot load plugin "x": integrity mismatch');
 * ```
 */
export class PluginLoadError extends PluginError {
  override name = "PluginLoadError";
  /** The reason without the `Cannot load plugin` prefix. */
  readonly reason: string;

  constructor(alias: string, reason: string, options?: ErrorOptions) {
    super(alias, `Cannot load plugin "${alias}": ${reason}`, undefined, options);
    this.reason = reason;
  }
}
