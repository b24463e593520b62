/**
 * The broker configuration: load a YAML file (or the built-in default), validate it against
 * `schema/broker.avsc`, apply command-line overrides.
 *
 * @example
 * ```ts
 * import { applyOverrides, loadConfig } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const cfg = applyOverrides(await loadConfig(), { port: 1884, logLevel: "debug" });
 * assert.equal(cfg.listeners.default.bind, "127.0.0.1:1884");
 * ```
 *
 * @module
 */

export { loadConfig, parseConfig } from "./load.ts";
export { applyOverrides } from "./overrides.ts";
export type { ConfigOverrides } from "./overrides.ts";
export { formatBind, parseBind } from "./bind.ts";
export type { BindAddress } from "./bind.ts";
export { ConfigError, ConfigSyntaxError } from "./errors.ts";
export type { ConfigErrorOptions, ConfigIssue } from "./errors.ts";
export { DEFAULT_CONFIG_NAME, DEFAULT_CONFIG_YAML } from "./defaults.ts";
export type * from "./types.ts";
