/**
 * Checks what a plugin declares against what the operator granted, and builds the exact Worker
 * permission object. Deno silently ignores unknown permission keys (a typo would mean an empty
 * sandbox and a confusing failure later), so keys are validated here.
 *
 * @module
 */

import type { PermissionGrant } from "./entry.ts";
import { PERMISSION_NAMES, type PermissionName, type PluginPermissions } from "../sdk/plugin.ts";

/** The `deno.permissions` option of `new Worker`, every key spelled out. */
export type WorkerPermissions = Record<PermissionName, boolean | string[]>;

/**
 * Validates a permission object (declared by a plugin or granted by the operator).
 * Throws a TypeError naming the bad key or value.
 *
 * @example
 * ```ts
 * import { parsePermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePermissions({ net: ["example.com:443"] }), { net: ["example.com:443"] });
 * assert.throws(() => parsePermissions({ nett: true }), {
 *   name: "TypeError",
 *   message: 'unknown permission "nett" (known: net, read, write, env, run, ffi, sys, import)',
 * });
 * ```
 */
export function parsePermissions(value: unknown): PluginPermissions {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`permissions must be an object, got ${JSON.stringify(value)}`);
  }
  const out: PluginPermissions = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(PERMISSION_NAMES as readonly string[]).includes(key)) {
      throw new TypeError(
        `unknown permission "${key}" (known: ${PERMISSION_NAMES.join(", ")})`,
      );
    }
    const ok = typeof v === "boolean" ||
      (Array.isArray(v) && v.every((x) => typeof x === "string" && x !== ""));
    if (!ok) {
      throw new TypeError(
        `permission "${key}" must be true, false or a list of strings, got ${JSON.stringify(v)}`,
      );
    }
    out[key as PermissionName] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

function covers(name: PermissionName, granted: string, wanted: string): boolean {
  if (granted === wanted) return true;
  if (name === "read" || name === "write" || name === "ffi") {
    const dir = granted.endsWith("/") ? granted : granted + "/";
    return wanted.startsWith(dir);
  }
  if (name === "net" || name === "import") {
    return !granted.includes(":") && wanted.startsWith(granted + ":"); // host grant covers host:port
  }
  return false;
}

/**
 * Lists what `declared` asks for beyond `granted`, one entry per permission, in the form used in
 * error messages: `net ["example.com"]` or `env` (for an unscoped request). An unscoped request
 * is satisfied by a non-empty list grant, which then scopes it (see `scopedPermissions`).
 *
 * @example
 * ```ts
 * import { missingGrants } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   missingGrants({ net: ["a.com", "b.com"], env: true }, { net: ["a.com"] }),
 *   ['net ["b.com"]', "env"],
 * );
 * ```
 */
export function missingGrants(
  declared: PluginPermissions,
  granted: Partial<PermissionGrant>,
): string[] {
  const missing: string[] = [];
  for (const name of PERMISSION_NAMES) {
    const want = declared[name];
    const have = granted[name] ?? false;
    if (!want || have === true) continue;
    if (want === true) {
      // Unscoped request: the operator scopes it with a list (the worker gets that list).
      if (!Array.isArray(have) || have.length === 0) missing.push(name);
      continue;
    }
    const lacking = want.filter((w) => !(have || []).some((g) => covers(name, g, w)));
    if (lacking.length > 0) missing.push(`${name} ${JSON.stringify(lacking)}`);
  }
  return missing;
}

/**
 * What the worker really gets: `declared`, except that an unscoped (`true`) declaration is
 * narrowed to the operator's list when the grant is a list. A plugin that reads a file named in
 * its config (`auth_file`) declares `read: true`; the operator grants `read: ["/etc/aviary/passwd"]`.
 *
 * @example
 * ```ts
 * import { scopedPermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * const scoped = scopedPermissions({ read: true }, { read: ["/etc/aviary/passwd"] });
 * assert.deepEqual(scoped.read, ["/etc/aviary/passwd"]);
 * ```
 */
export function scopedPermissions(
  declared: PluginPermissions,
  granted: Partial<PermissionGrant>,
): PluginPermissions {
  const out: PluginPermissions = { ...declared };
  for (const name of PERMISSION_NAMES) {
    const have = granted[name];
    if (declared[name] === true && Array.isArray(have)) out[name] = [...have];
  }
  return out;
}

/**
 * The Worker permission object granting exactly `declared` (every key explicit, absent = false).
 *
 * @example
 * ```ts
 * import { workerPermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * const permissions = workerPermissions({ net: ["a.com:443"] });
 * assert.deepEqual([permissions.net, permissions.read], [["a.com:443"], false]);
 * ```
 */
export function workerPermissions(declared: PluginPermissions): WorkerPermissions {
  const out = {} as WorkerPermissions;
  for (const name of PERMISSION_NAMES) out[name] = declared[name] ?? false;
  return out;
}
