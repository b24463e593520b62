/**
 * The one entry point for the names that become paths: a package's `name` and `version` (from its
 * `release.json`) and a plugin alias (from a request). Each must match a strict pattern, so none
 * can hold `/`, `\`, `..` or anything a file system reads specially; and the install folder built
 * from them is checked, after resolving, to sit directly inside `<data_dir>/plugins/packages/`.
 *
 * | what    | pattern                                   |
 * | ------- | ----------------------------------------- |
 * | name    | `^[a-z0-9][a-z0-9_-]{0,63}$`              |
 * | alias   | `^[a-z0-9][a-z0-9_-]{0,63}$`              |
 * | version | `^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$`, no `..` |
 *
 * @module
 */

import { basename, dirname, resolve } from "node:path";
import { AdminError } from "./admin_errors.ts";

/** A package name or an installed plugin's alias. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A package version (semver-like). */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
/**
 * An alias named in a request path: install aliases, plus the looser aliases a config file may
 * use (upper case, dots), never `..`.
 */
export const ROUTE_ALIAS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : `a ${typeof value}`;
}

/**
 * Checks a package name or install alias; BAD_REQUEST (`what` names the field) otherwise.
 *
 * @example
 * ```ts
 * import { checkName } from "./package_names.ts";
 * checkName("prefixer", "alias");
 * try { checkName("../webhook", "alias"); throw new Error("not refused"); }
 * catch (e) { if ((e as { code?: string }).code !== "BAD_REQUEST") throw e; }
 * ```
 */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== "string" || !NAME_PATTERN.test(value)) {
    throw new AdminError(
      "BAD_REQUEST",
      `The ${what} ${describe(value)} must be 1-64 lower-case letters, digits, _ or -, ` +
        "starting with a letter or digit",
    );
  }
  return value;
}

/**
 * Checks `release.json`'s `name` and `version`; BAD_PACKAGE naming the field otherwise.
 *
 * @example
 * ```ts
 * import { checkRelease } from "./package_names.ts";
 * checkRelease({ name: "prefixer", version: "1.0.0-rc.1+b2" });
 * try { checkRelease({ name: "x", version: "y/../webhook" }); throw new Error("not refused"); }
 * catch (e) { if ((e as { code?: string }).code !== "BAD_PACKAGE") throw e; }
 * ```
 */
export function checkRelease(release: { name: unknown; version: unknown }): void {
  if (typeof release.name !== "string" || !NAME_PATTERN.test(release.name)) {
    throw new AdminError(
      "BAD_PACKAGE",
      `release.json name ${describe(release.name)} must be 1-64 lower-case letters, digits, _ or -`,
    );
  }
  const v = release.version;
  if (typeof v !== "string" || !VERSION_PATTERN.test(v) || v.includes("..")) {
    throw new AdminError(
      "BAD_PACKAGE",
      `release.json version ${describe(v)} must be 1-64 letters, digits, . + or - ` +
        "(no .., / or \\)",
    );
  }
}

/**
 * Checks an alias taken from a request path; BAD_REQUEST otherwise.
 *
 * @example
 * ```ts
 * import { checkRouteAlias } from "./package_names.ts";
 * checkRouteAlias("Auth.v2");
 * try { checkRouteAlias(".."); throw new Error("not refused"); }
 * catch (e) { if ((e as { code?: string }).code !== "BAD_REQUEST") throw e; }
 * ```
 */
export function checkRouteAlias(value: string): string {
  if (!ROUTE_ALIAS_PATTERN.test(value) || value.includes("..")) {
    throw new AdminError("BAD_REQUEST", `The alias ${describe(value)} is not a plugin alias`);
  }
  return value;
}

/**
 * The install folder `<packages>/<name>-<version>-<alias>`, checked to resolve to a direct child
 * of `packagesDir`. The parts must have passed {@linkcode checkRelease} and
 * {@linkcode checkName}; this is the second, independent check.
 *
 * @example
 * ```ts
 * import { packageFolder } from "./package_names.ts";
 * const dir = packageFolder("/data/plugins/packages", "prefixer", "1.0.0", "p");
 * if (dir !== "/data/plugins/packages/prefixer-1.0.0-p") throw new Error(dir);
 * ```
 */
export function packageFolder(
  packagesDir: string,
  name: string,
  version: string,
  alias: string,
): string {
  const folder = `${name}-${version}-${alias}`;
  const root = resolve(packagesDir);
  const target = resolve(root, folder);
  if (dirname(target) !== root || basename(target) !== folder || folder.startsWith(".")) {
    throw new AdminError(
      "BAD_PACKAGE",
      `Install folder "${folder}" does not sit directly inside ${root}`,
    );
  }
  return target;
}
