/**
 * The `--allow-*` flags of a plugin process (process_cage.ts): exactly what the plugin declared and
 * the operator granted, and never more than the broker holds itself.
 *
 * @module
 */

import { PluginLoadError } from "./errors.ts";
import type { WorkerPermissions } from "./permissions.ts";
import { PERMISSION_NAMES, type PermissionName } from "../sdk/plugin.ts";

type Descriptor = Deno.PermissionDescriptor;

function descriptor(name: PermissionName, value: string | null): Descriptor {
  if (value === null) return { name } as Descriptor;
  switch (name) {
    case "net":
    case "import":
      return { name, host: value } as Descriptor;
    case "read":
    case "write":
    case "ffi":
      return { name, path: value };
    case "env":
      return { name, variable: value };
    case "run":
      return { name, command: value };
    case "sys":
      return { name, kind: value } as Descriptor;
  }
}

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
  held: (d: Descriptor) => boolean = (d) => Deno.permissions.querySync(d).state === "granted",
): string[] {
  const flags: string[] = [];
  const lacking: string[] = [];
  for (const name of PERMISSION_NAMES) {
    const value = permissions[name];
    if (value === false || (Array.isArray(value) && value.length === 0)) continue;
    const values = value === true ? [null] : value;
    const missing: (string | null)[] = [];
    for (const v of values) {
      if (v !== null && /[,\s=]/.test(v)) {
        throw new PluginLoadError(
          alias,
          `permission ${name} value ${JSON.stringify(v)} is invalid`,
        );
      }
      if (!held(descriptor(name, v))) missing.push(v);
    }
    if (missing.length > 0) lacking.push(flagOf(name, missing));
    flags.push(flagOf(name, values));
  }
  if (lacking.length > 0) {
    throw new PluginLoadError(
      alias,
      `its grant exceeds what the broker process holds: the broker lacks ${lacking.join(" ")}; ` +
        `restart the broker with ${lacking.length > 1 ? "these flags" : "this flag"} ` +
        `(the launcher adds them when the grant is in the config file)`,
    );
  }
  return flags;
}

/** `--allow-<name>` for everything (`[null]`), else `--allow-<name>=a,b`. */
function flagOf(name: PermissionName, values: (string | null)[]): string {
  return values.includes(null) ? `--allow-${name}` : `--allow-${name}=${values.join(",")}`;
}
