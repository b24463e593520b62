/**
 * The steps of one install, for {@linkcode PluginManager.install}: check the grant and alias,
 * fetch the bytes (size-limited), unpack a package into a staging folder (streaming, limited,
 * names checked, every file pinned), check that its SDK range admits this host's SDK
 * (`INCOMPATIBLE_SDK`, 422, naming both; a package stating none is accepted with a warning), probe
 * the module with no permissions, compare declared permissions with the grant, then move the
 * package into its own new folder `<data_dir>/plugins/packages/<name>-<version>-<alias>/` (never
 * over an existing one) and build the registry record. Nothing is left behind when a step refuses.
 *
 * @module
 */

import { join, relative } from "node:path";
import { AdminError } from "./admin_errors.ts";
import { checkPluginConfig } from "./config_check.ts";
import { fetchInstallSource, type InstallRequest } from "./install_source.ts";
import type { Manifest } from "./manifest.ts";
import { type PackageInfo, type Release, releaseSdkRange, unpackPackage } from "./package.ts";
import { checkName, packageFolder } from "./package_names.ts";
import { missingGrants, parsePermissions } from "./permissions.ts";
import { checkPins } from "./pins.ts";
import type { PluginRecord, Registry } from "./registry.ts";
import type { PluginPermissions } from "../sdk/plugin.ts";
import { SDK_VERSION, sdkSatisfies } from "../sdk/version.ts";

/** What an install needs from the manager. */
export interface InstallDeps {
  registry: Registry;
  /** Directory relative sources resolve against. */
  baseDir: string;
  /** Imports the module in a throwaway worker without permissions and returns its manifest. */
  probe(alias: string, source: string): Promise<Manifest>;
  /** Told why a package was accepted with a doubt (it states no SDK range). */
  warn?(message: string): void;
}

function grantOf(req: InstallRequest): PluginPermissions {
  try {
    return parsePermissions(req.grant ?? {});
  } catch (err) {
    throw new AdminError("BAD_REQUEST", `Bad grant: ${(err as Error).message}`);
  }
}

async function unpack(bytes: Uint8Array, staging: string): Promise<PackageInfo> {
  try {
    return await unpackPackage(bytes, staging);
  } catch (err) {
    if (err instanceof AdminError) throw err;
    throw new AdminError("BAD_PACKAGE", `Bad package: ${(err as Error).message}`);
  }
}

/** Why a package's stated SDK range excludes this host's SDK, or null (none stated: no doubt). */
function sdkProblem(release: Release): string | null {
  const range = releaseSdkRange(release);
  if (range === null || sdkSatisfies(range)) return null;
  return `package "${release.name}" ${release.version} is built for SDK ${range}; ` +
    `this host's SDK is ${SDK_VERSION} (same major, minor at least the package's)`;
}

/** INCOMPATIBLE_SDK naming both versions; a package stating no range is let through, warned. */
function checkSdk(release: Release, warn: InstallDeps["warn"]): void {
  const why = sdkProblem(release);
  if (why) {
    const required = releaseSdkRange(release);
    throw new AdminError("INCOMPATIBLE_SDK", `Cannot install: ${why}`, {
      required,
      sdk: SDK_VERSION,
    });
  }
  if (releaseSdkRange(release) !== null) return;
  warn?.(
    `Package "${release.name}" ${release.version} states no compatibility.aviary_sdk; ` +
      `installed without an SDK check (this host's SDK is ${SDK_VERSION})`,
  );
}

function checkGrant(alias: string, manifest: Manifest, grant: PluginPermissions): void {
  const declared = parsePermissions(manifest.permissions);
  const missing = missingGrants(declared, grant);
  if (missing.length > 0) {
    throw new AdminError(
      "GRANT_REQUIRED",
      `Plugin "${alias}" needs ${missing.join(", ")}; grant them to install`,
      { permissions: declared, missing, name: manifest.name, version: manifest.version },
    );
  }
}

/** Moves the staged package into its own folder; refuses when that folder exists. */
async function place(
  packagesDir: string,
  staging: string,
  pkg: PackageInfo,
  alias: string,
): Promise<{ source: string; integrity: string; ref: NonNullable<PluginRecord["package"]> }> {
  const { name, version } = pkg.release;
  const target = packageFolder(packagesDir, name, version, alias);
  const exists = await Deno.lstat(target).then(() => true, () => false);
  if (exists) {
    throw new AdminError(
      "ALREADY_EXISTS",
      `Install folder ${target} already exists (another plugin's, or left over: remove it first)`,
    );
  }
  await Deno.rename(staging, target);
  const main = relative(staging, pkg.main);
  return {
    source: join(target, main),
    integrity: pkg.files[main],
    ref: { name, version, dir: target, files: pkg.files },
  };
}

/**
 * Runs an install and returns the new record (not yet added to the registry).
 *
 * @example
 * ```ts ignore
 * const record = await installPlugin({ registry, baseDir, probe }, { bytes, grant: {} });
 * registry.put(record);
 * ```
 */
export async function installPlugin(deps: InstallDeps, req: InstallRequest): Promise<PluginRecord> {
  const grant = grantOf(req);
  if (req.alias !== undefined) checkName(req.alias, "alias");
  const { bytes, module } = await fetchInstallSource(req, deps.baseDir);
  const dir = deps.registry.dir;
  if (!dir) throw new AdminError("BAD_REQUEST", "Installing needs a data_dir");
  const packagesDir = join(dir, "packages");
  let staging: string | null = null;
  try {
    let pkg: PackageInfo | null = null;
    if (bytes) {
      await Deno.mkdir(packagesDir, { recursive: true });
      staging = join(packagesDir, `.staging-${crypto.randomUUID()}`);
      pkg = await unpack(bytes, staging);
      checkSdk(pkg.release, deps.warn);
    }
    const wanted = req.alias ?? pkg?.release.name;
    const manifest = await deps.probe(wanted ?? "plugin", pkg?.main ?? module!);
    const alias = checkName(wanted ?? manifest.name, "alias");
    if (deps.registry.has(alias)) {
      throw new AdminError("ALREADY_EXISTS", `Plugin "${alias}" is already installed`);
    }
    checkGrant(alias, manifest, grant);
    const placed = pkg && staging ? await place(packagesDir, staging, pkg, alias) : null;
    if (placed) staging = null;
    const record: PluginRecord = {
      alias,
      origin: "install",
      entry: {
        source: placed?.source ?? module!,
        permissions: grant,
        enabled: false,
        config: {},
        ...(placed ? { integrity: placed.integrity } : {}),
      },
      package: placed?.ref ?? null,
      schema: pkg?.schema ?? null,
      i18n: pkg?.i18n ?? null,
      manifest,
      configVersion: 0,
    };
    record.entry.config = defaultsOf(record);
    return record;
  } finally {
    if (staging) await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/** The config an installed plugin starts with: its defaults, schema defaults filled when valid. */
function defaultsOf(r: PluginRecord): Record<string, unknown> {
  const schema = r.schema ?? r.manifest?.config.schema ?? null;
  const { value, errors } = checkPluginConfig(schema, r.manifest?.config.defaults ?? {}, {});
  return errors.length === 0 ? value : { ...r.manifest?.config.defaults };
}

/**
 * Why an installed package may not start, or null: its files changed since install, or its
 * `release.json` states an SDK range that excludes this host's SDK (a broker upgraded to a new
 * SDK major keeps the package installed, shown `failed` with this reason).
 */
export async function pinProblem(r: PluginRecord): Promise<string | null> {
  if (r.origin !== "install" || !r.package) return null;
  const changed = await checkPins(r.package.dir, r.package.files);
  if (changed) return changed;
  try {
    const release = JSON.parse(await Deno.readTextFile(join(r.package.dir, "release.json")));
    return sdkProblem(release);
  } catch (err) {
    return `its release.json cannot be read: ${(err as Error).message}`;
  }
}

/**
 * Deletes what installing `r` wrote, once it left the registry: its package folder (unless
 * another alias still uses it) and its data folder (store, config history).
 */
export async function removeInstalled(registry: Registry, r: PluginRecord): Promise<void> {
  const shared = registry.list().some((x) => x.package?.dir === r.package?.dir);
  if (r.package && !shared) await Deno.remove(r.package.dir, { recursive: true }).catch(noop);
  if (registry.dir) await Deno.remove(join(registry.dir, r.alias), { recursive: true }).catch(noop);
}

function noop(): void {}
