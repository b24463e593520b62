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
 * import { PluginError } from "./errors.ts";
 * const e = new PluginError("acl", "hook threw: boom", "client.authorize");
 * console.log(e.alias, e.hook, e.message);
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
 * import { PluginLoadError } from "./errors.ts";
 * console.log(new PluginLoadError("x", "integrity mismatch").message);
 * // Cannot load plugin "x": integrity mismatch
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
