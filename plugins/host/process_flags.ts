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
 * cannot be written as a flag or when the broker itself does not hold it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionFlags } from "./process_flags.ts";
 * import { workerPermissions } from "./permissions.ts";
 * const flags = permissionFlags("p", workerPermissions({ env: ["TZ"] }), () => true);
 * assert.deepEqual(flags, ["--allow-env=TZ"]);
 * ```
 */
export function permissionFlags(
  alias: string,
  permissions: WorkerPermissions,
  held: (d: Descriptor) => boolean = (d) => Deno.permissions.querySync(d).state === "granted",
): string[] {
  const flags: string[] = [];
  for (const name of PERMISSION_NAMES) {
    const value = permissions[name];
    if (value === false || (Array.isArray(value) && value.length === 0)) continue;
    const values = value === true ? [null] : value;
    for (const v of values) {
      if (v !== null && /[,\s=]/.test(v)) {
        throw new PluginLoadError(
          alias,
          `permission ${name} value ${JSON.stringify(v)} is invalid`,
        );
      }
      if (!held(descriptor(name, v))) {
        throw new PluginLoadError(
          alias,
          `the broker process itself lacks permission ${name}${v === null ? "" : ` ${v}`}; ` +
            `start the broker with the matching --allow-${name} flag`,
        );
      }
    }
    flags.push(value === true ? `--allow-${name}` : `--allow-${name}=${value.join(",")}`);
  }
  return flags;
}
