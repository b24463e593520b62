/**
 * `aviary plugins pack [DIR]`: builds `DIR/dist/NAME-VERSION.tar.gz` and its `.sha256` from a
 * plugin project. The module (`plugin.ts`, or `main` in the project's `release.json`) is bundled
 * into one `plugin.js`, imported in an empty cage (no permissions, as an install probes it) for
 * its manifest, and refused with a clear message when its declared permissions are malformed or
 * its default config does not validate against its own schema. The package holds `release.json`
 * (EMQX's fields: name, version, description, authors, repo, functionality, compatibility,
 * permissions; plus `main`), `plugin.js`, `config_schema.avsc` and `config_i18n.json`. Its
 * `compatibility.aviary_sdk` is `^<version>` of the project's vendored `sdk/version.ts` (else the
 * range the project's `release.json` states, checked; else none, which hosts accept with a
 * warning).
 *
 * @module
 */
import { join } from "node:path";
import { silentLogger } from "../lib/log.ts";
import { checkPluginConfig, describeConfigIssues } from "../plugins/host/config_check.ts";
import { withEntryDefaults } from "../plugins/host/entry.ts";
import { instantiateDeps } from "../plugins/host/host_options.ts";
import { probeManifest } from "../plugins/host/instantiate.ts";
import type { Manifest } from "../plugins/host/manifest.ts";
import { checkRelease } from "../plugins/host/package_names.ts";
import { parsePermissions } from "../plugins/host/permissions.ts";
import type { BrokerServices } from "../plugins/host/services.ts";
import { parseSdkRange, SDK_COMPATIBILITY_FIELD, sdkRangeFor } from "../plugins/sdk/version.ts";
import { bundlePlugin } from "../server/plugin_bundle.ts";
import { writeTarGz } from "./_pack_tar.ts";

/** What `pack` wrote. */
export interface PackResult {
  /** Absolute path of the `.tar.gz`. */
  file: string;
  /** Its sha256, hex. */
  sha256: string;
  /** The `release.json` inside. */
  release: Record<string, unknown>;
}

const ENTRY_CANDIDATES = ["plugin.ts", "plugin.js", "mod.ts", "mod.js"];
/** EMQX's descriptive release fields, with what a project that leaves one out gets. */
const EMQX_FIELDS = { authors: [], repo: "", functionality: [] };

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The `SDK_VERSION` of the project's vendored `sdk/version.ts`, or null without one. */
async function vendoredSdk(dir: string): Promise<string | null> {
  const path = join(dir, "sdk", "version.ts");
  const text = await Deno.readTextFile(path).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  if (text === null) return null;
  const m = /export const SDK_VERSION(?:: string)? = "([^"\n]*)"/.exec(text);
  if (!m) throw new Error(`${path} declares no SDK_VERSION = "MAJOR.MINOR.PATCH"`);
  return m[1];
}

/** The release's `compatibility`: the project's fields, `aviary_sdk` from the vendored SDK. */
async function compatibility(dir: string, stated: unknown): Promise<Record<string, unknown>> {
  if (stated !== undefined && (typeof stated !== "object" || !stated || Array.isArray(stated))) {
    throw new TypeError("release.json compatibility must be an object");
  }
  const out: Record<string, unknown> = { ...stated as Record<string, unknown> | undefined };
  const vendored = await vendoredSdk(dir);
  try {
    if (vendored !== null) out[SDK_COMPATIBILITY_FIELD] = sdkRangeFor(vendored);
    else if (out[SDK_COMPATIBILITY_FIELD] !== undefined) {
      parseSdkRange(out[SDK_COMPATIBILITY_FIELD]);
    }
  } catch (err) {
    const where = vendored !== null ? "sdk/version.ts" : "release.json compatibility.aviary_sdk";
    throw new TypeError(`${where}: ${(err as Error).message}`);
  }
  return out;
}

async function findEntry(dir: string, main: unknown): Promise<string> {
  const names = typeof main === "string" ? [main] : ENTRY_CANDIDATES;
  for (const n of names) {
    if (await Deno.stat(join(dir, n)).then((s) => s.isFile, () => false)) return join(dir, n);
  }
  throw new Error(`no plugin module in ${dir} (looked for ${names.join(", ")})`);
}

/** Imports the bundle in an empty process cage, as an install's probe does. */
async function probe(bundle: string): Promise<Manifest> {
  const deps = instantiateDeps({ plugins: {}, log: silentLogger, services: {} as BrokerServices });
  try {
    return await probeManifest("pack", withEntryDefaults({ source: bundle }), deps);
  } catch (err) {
    const why = (err as Error).message;
    if (/unknown permission|permission "[a-z]+" must be|permissions must be/.test(why)) {
      throw new TypeError(`the declared permissions are malformed: ${why.replace(/^.*?": /, "")}`);
    }
    throw new Error(`the module does not load in an empty cage: ${why}`);
  }
}

/** The checks a package must pass before it is written. */
function checkManifest(m: Manifest): Record<string, unknown> {
  let permissions: Record<string, unknown>;
  try {
    permissions = parsePermissions(m.permissions);
  } catch (err) {
    throw new TypeError(`the declared permissions are malformed: ${(err as Error).message}`);
  }
  checkRelease(m);
  const { errors } = checkPluginConfig(m.config.schema, m.config.defaults, {});
  if (errors.length > 0) {
    throw new TypeError(
      `the default config does not validate against the schema: ${describeConfigIssues(errors)}`,
    );
  }
  return permissions;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Packs the project in `dir`. Throws an Error naming what is wrong (see the module doc).
 *
 * @example
 * ```ts ignore
 * const { file, sha256 } = await packPlugin("./my-plugin");
 * ```
 */
export async function packPlugin(dir = "."): Promise<PackResult> {
  const source = await readJson(join(dir, "release.json")) ?? {};
  const entry = await findEntry(dir, source.main);
  const compat = await compatibility(dir, source.compatibility);
  const tmp = await Deno.makeTempDir({ prefix: "aviary-pack-" });
  try {
    const bundle = join(tmp, "plugin.js");
    await bundlePlugin(entry, bundle);
    const m = await probe(bundle);
    const permissions = checkManifest(m);
    const release: Record<string, unknown> = {
      name: m.name,
      version: m.version,
      description: m.description,
      ...Object.fromEntries(Object.entries(EMQX_FIELDS).map(([k, d]) => [k, source[k] ?? d])),
      compatibility: compat,
      permissions,
      main: "plugin.js",
      with_config_schema: m.config.schema !== null,
    };
    const root = `${m.name}-${m.version}`;
    const enc = new TextEncoder();
    const files: Record<string, Uint8Array> = {
      [`${root}/release.json`]: enc.encode(JSON.stringify(release, null, 2) + "\n"),
      [`${root}/plugin.js`]: await Deno.readFile(bundle),
    };
    if (m.config.schema) {
      files[`${root}/config_schema.avsc`] = enc.encode(JSON.stringify(m.config.schema, null, 2));
    }
    const i18n = await readJson(join(dir, "config_i18n.json"));
    if (i18n) files[`${root}/config_i18n.json`] = enc.encode(JSON.stringify(i18n, null, 2));
    const gz = await writeTarGz(files);
    const out = await Deno.realPath(dir).then((d) => join(d, "dist"));
    await Deno.mkdir(out, { recursive: true });
    const file = join(out, `${root}.tar.gz`);
    const sha256 = await sha256Hex(gz);
    await Deno.writeFile(file, gz);
    await Deno.writeTextFile(`${file}.sha256`, `${sha256}  ${root}.tar.gz\n`);
    return { file, sha256, release };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
