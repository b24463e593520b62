/**
 * What the broker process itself must hold before it can give a plugin its grant, for either
 * cage: a process cage passes the grant on as `--allow-*` flags, a worker cage as
 * `deno.permissions`, and neither can give more than the broker holds. When it falls short, the
 * error names the exact `--allow-*` flags the broker lacks.
 *
 * @module
 */

import { PluginLoadError } from "./errors.ts";
import type { WorkerPermissions } from "./permissions.ts";
import { PERMISSION_NAMES, type PermissionName } from "../sdk/plugin.ts";

type Descriptor = Deno.PermissionDescriptor;

/** Whether the broker holds a permission (by default: `Deno.permissions.querySync`). */
export type Held = (d: Descriptor) => boolean;

const heldByBroker: Held = (d) => Deno.permissions.querySync(d).state === "granted";

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
 * `--allow-<name>` for everything (`[null]`), else `--allow-<name>=a,b`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagOf } from "./cage_flags.ts";
 * assert.equal(flagOf("net", ["a:1", "b:2"]), "--allow-net=a:1,b:2");
 * assert.equal(flagOf("env", [null]), "--allow-env");
 * ```
 */
export function flagOf(name: PermissionName, values: (string | null)[]): string {
  return values.includes(null) ? `--allow-${name}` : `--allow-${name}=${values.join(",")}`;
}

/**
 * Each granted kind with its values (`[null]` = everything of that kind), in flag order; throws
 * PluginLoadError for a value that cannot be written as a flag.
 */
export function grantedValues(
  alias: string,
  permissions: WorkerPermissions,
): [PermissionName, (string | null)[]][] {
  const out: [PermissionName, (string | null)[]][] = [];
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
    }
    out.push([name, values]);
  }
  return out;
}

/**
 * Throws PluginLoadError naming the exact `--allow-*` flags the broker process lacks to give
 * `permissions` to the plugin `alias` (`--allow-net=api.example.com:443`, or `--allow-env` for
 * an unscoped grant); returns when it holds them all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBrokerHolds } from "./cage_flags.ts";
 * import { workerPermissions } from "./permissions.ts";
 * const perms = workerPermissions({ net: ["a.example:443"], env: true });
 * assert.throws(() => checkBrokerHolds("p", perms, () => false), {
 *   name: "PluginLoadError",
 *   message: /the broker lacks --allow-net=a\.example:443 --allow-env; restart the broker/,
 * });
 * checkBrokerHolds("p", perms, () => true);
 * ```
 */
export function checkBrokerHolds(
  alias: string,
  permissions: WorkerPermissions,
  held: Held = heldByBroker,
): void {
  const lacking: string[] = [];
  for (const [name, values] of grantedValues(alias, permissions)) {
    const missing = values.filter((v) => !held(descriptor(name, v)));
    if (missing.length > 0) lacking.push(flagOf(name, missing));
  }
  if (lacking.length === 0) return;
  throw new PluginLoadError(
    alias,
    `its grant exceeds what the broker process holds: the broker lacks ${lacking.join(" ")}; ` +
      `restart the broker with ${lacking.length > 1 ? "these flags" : "this flag"} ` +
      `(the launcher adds them when the grant is in the config file)`,
  );
}
