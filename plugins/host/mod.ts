/**
 * The plugin host: loads plugins, cages each in a Worker, runs hook chains. The application
 * (`server/`) imports it through this module.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { PluginHost } from "./mod.ts";
 * const host = await PluginHost.start({ plugins: {}, log: console, services });
 * assert.equal(host.has("message.publish"), false);
 * await host.close();
 * ```
 *
 * @module
 */

export {
  ENTRY_DEFAULTS,
  type PluginEntryInput,
  PluginHost,
  type PluginHostOptions,
  type PluginStatus,
} from "./host.ts";
export type { DecisionOutcome } from "./chain.ts";
export type { Logger, PluginMetrics, PluginState } from "./runner.ts";
export type { BrokerServices } from "./services.ts";
export { PluginError, PluginLoadError } from "./errors.ts";
export { BUILTIN_PLUGINS } from "./builtins.ts";
export { sriSha256 } from "./loader.ts";
export {
  type InstallRequest,
  type PluginDetails,
  PluginManager,
  type PluginView,
} from "./lifecycle.ts";
export { AdminError, type AdminErrorCode } from "./admin_errors.ts";
