/**
 * The `--allow-*` flags of a plugin process (process_cage.ts): exactly what the plugin declared and
 * the operator granted, and never more than the broker holds itself (cage_flags.ts).
 *
 * @module
 */

import type { WorkerPermissions } from "./permissions.ts";
import { checkBrokerHolds, flagOf, grantedValues, type Held } from "./cage_flags.ts";

/**
 * The `--allow-*` flags granting exactly `permissions`. Throws PluginLoadError when a value
 * cannot be written as a flag or when the broker itself does not hold it; that error names the
 * exact flags the broker process lacks (`--allow-net=api.example.com:443`, or `--allow-env` for
 * an unscoped grant).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionFlags } from "./process_flags.ts";
 * import { workerPermissions } from "./permissions.ts";
 * const flags = permissionFlags("p", workerPermissions({ env: ["TZ"] }), () => true);
 * assert.deepEqual(flags, ["--allow-env=TZ"]);
 * assert.throws(
 *   () => permissionFlags("p", workerPermissions({ net: ["a.example:443"], env: true }), () => false),
 *   /lacks --allow-net=a\.example:443 --allow-env;/,
 * );
 * ```
 */
export function permissionFlags(
  alias: string,
  permissions: WorkerPermissions,
  held?: Held,
): string[] {
  checkBrokerHolds(alias, permissions, held);
  return grantedValues(alias, permissions).map(([name, values]) => flagOf(name, values));
}
