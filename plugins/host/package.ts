/**
 * Plugin packages (EMQX style): a `.tar.gz` holding `release.json` ({name, version, description,
 * main?, ...}), the plugin module (one file), and optionally `config_schema.avsc` (Avro record of
 * the config) and `config_i18n.json` (`{"$key": {"en": "..."}}`). Unpacked with the streaming tar
 * reader of tar.ts (size limits, no links, devices or names escaping the folder); `name` and
 * `version` must pass package_names.ts, `compatibility.aviary_sdk` (when stated) must be an SDK
 * range; every written file is pinned (pins.ts).
 *
 * @module
 */

import { join } from "node:path";
import { checkRelease } from "./package_names.ts";
import { type FilePins, pinFiles } from "./pins.ts";
import { readTarGz, safeEntryPath, type TarFile } from "./tar.ts";
import { AdminError } from "./admin_errors.ts";
import { parseSdkRange, SDK_COMPATIBILITY_FIELD } from "../sdk/version.ts";

/** `release.json` of a package (extra EMQX fields are kept as they are). */
export interface Release {
  name: string;
  version: string;
  description?: string;
  /** The module file inside the package; default the first of {@linkcode MAIN_CANDIDATES}. */
  main?: string;
  [key: string]: unknown;
}

/**
 * The SDK range `release.json` states (`compatibility.aviary_sdk`, see plugins/sdk/version.ts), or
 * null for a package that states none (made before the SDK had a version). BAD_PACKAGE names the
 * field when `compatibility` is not an object or the range is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { releaseSdkRange } from "./package.ts";
 * assert.equal(releaseSdkRange({ name: "p", version: "1", compatibility: { aviary_sdk: "^1.0.0" } }), "^1.0.0");
 * assert.equal(releaseSdkRange({ name: "p", version: "1" }), null);
 * assert.throws(() => releaseSdkRange({ name: "p", version: "1", compatibility: { aviary_sdk: "1.x" } }), {
 *   code: "BAD_PACKAGE",
 * });
 * ```
 */
export function releaseSdkRange(release: Release): string | null {
  const c = release.compatibility;
  if (c === undefined) return null;
  if (typeof c !== "object" || c === null || Array.isArray(c)) {
    throw new AdminError("BAD_PACKAGE", "release.json compatibility must be an object");
  }
  const range = (c as Record<string, unknown>)[SDK_COMPATIBILITY_FIELD];
  if (range === undefined) return null;
  try {
    parseSdkRange(range);
  } catch (err) {
    throw new AdminError(
      "BAD_PACKAGE",
      `release.json compatibility.${SDK_COMPATIBILITY_FIELD}: ${(err as Error).message}`,
    );
  }
  return range as string;
}

/** What an unpacked package offers the host. */
export interface PackageInfo {
  release: Release;
  /** Absolute path of the plugin module. */
  main: string;
  schema: Record<string, unknown> | null;
  i18n: Record<string, Record<string, string>> | null;
  /** sha256 of every file written, by relative path. */
  files: FilePins;
}

/** Module names looked for when `release.json` has no `main`. */
export const MAIN_CANDIDATES = ["plugin.js", "plugin.ts", "mod.js", "mod.ts", "index.js"];

export { readTarGz, safeEntryPath, type TarFile } from "./tar.ts";

const decoder = new TextDecoder();

/** Writes the files into a new folder; a path given twice is refused. */
async function writeFiles(dir: string, files: TarFile[]): Promise<void> {
  await Deno.mkdir(dir);
  for (const f of files) {
    const target = join(dir, f.path);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(target, f.bytes, { createNew: true }).catch((err) => {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      throw new RangeError(`package entry "${f.path}" appears twice`);
    });
  }
}

/** Strips one leading directory shared by every file (`name-1.0.0/release.json`). */
function stripCommonRoot(files: TarFile[]): TarFile[] {
  const roots = new Set(files.map((f) => f.path.split("/")[0]));
  if (roots.size !== 1 || files.some((f) => !f.path.includes("/"))) return files;
  return files.map((f) => ({ ...f, path: f.path.slice(f.path.indexOf("/") + 1) }));
}

function parseJson<T>(file: TarFile | undefined, what: string): T | null {
  if (!file) return null;
  try {
    return JSON.parse(decoder.decode(file.bytes)) as T;
  } catch (err) {
    throw new SyntaxError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Unpacks a `.tar.gz` package into `dir` (a new folder) and describes it. Throws a TypeError for a
 * package without a usable `release.json` or module, a RangeError for an unsafe entry, an
 * AdminError for a bad name, version or SDK range (BAD_PACKAGE) or a package over the limits
 * (TOO_LARGE). Whether the SDK range admits this host is the install's decision (install.ts).
 *
 * @example
 * ```ts ignore
 * const pkg = await unpackPackage(bytes, "/var/lib/aviary/plugins/packages/prefixer-1.0.0");
 * const { release, main } = pkg; // release.json's name and version, the module to load
 * ```
 */
export async function unpackPackage(bytes: Uint8Array, dir: string): Promise<PackageInfo> {
  const files = stripCommonRoot(await readTarGz(bytes));
  const byName = new Map(files.map((f) => [f.path, f]));
  const release = parseJson<Release>(byName.get("release.json"), "release.json");
  if (!release || typeof release !== "object" || Array.isArray(release)) {
    throw new TypeError("package has no release.json with a name and a version");
  }
  checkRelease(release);
  releaseSdkRange(release);
  if (release.main !== undefined && typeof release.main !== "string") {
    throw new TypeError("release.json main must be a file name");
  }
  const main = release.main ?? MAIN_CANDIDATES.find((c) => byName.has(c));
  if (!main || !byName.has(safeEntryPath(main))) {
    throw new TypeError(`package has no plugin module (${release.main ?? MAIN_CANDIDATES[0]})`);
  }
  const schema = parseJson<Record<string, unknown>>(
    byName.get("config_schema.avsc"),
    "config_schema.avsc",
  );
  const i18n = parseJson<PackageInfo["i18n"]>(byName.get("config_i18n.json"), "config_i18n.json");
  await writeFiles(dir, files);
  const pins = await pinFiles(files);
  return { release, main: join(dir, safeEntryPath(main)), schema, i18n, files: pins };
}
