/**
 * Plugin packages (EMQX style): a `.tar.gz` holding `release.json` ({name, version, description,
 * main?, ...}), the plugin module (one file), and optionally `config_schema.avsc` (Avro record of
 * the config) and `config_i18n.json` (`{"$key": {"en": "..."}}`). Unpacked with a small tar reader
 * that refuses entries escaping the install directory, links and device files.
 *
 * @module
 */

import { join } from "node:path";

/** `release.json` of a package (extra EMQX fields are kept as they are). */
export interface Release {
  name: string;
  version: string;
  description?: string;
  /** The module file inside the package; default the first of {@linkcode MAIN_CANDIDATES}. */
  main?: string;
  [key: string]: unknown;
}

/** What an unpacked package offers the host. */
export interface PackageInfo {
  release: Release;
  /** Absolute path of the plugin module. */
  main: string;
  schema: Record<string, unknown> | null;
  i18n: Record<string, Record<string, string>> | null;
}

/** Module names looked for when `release.json` has no `main`. */
export const MAIN_CANDIDATES = ["plugin.js", "plugin.ts", "mod.js", "mod.ts", "index.js"];

/** One regular file of a tar archive. */
export interface TarFile {
  path: string;
  bytes: Uint8Array;
}

const decoder = new TextDecoder();

function field(block: Uint8Array, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
}

function octal(block: Uint8Array, start: number, length: number): number {
  const text = field(block, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * Checks that a tar entry name stays inside the directory it is unpacked into and returns it
 * normalized. Throws a RangeError for an absolute path or a `..` segment.
 *
 * @example
 * ```ts
 * import { safeEntryPath } from "./package.ts";
 * console.log(safeEntryPath("./pkg/plugin.js")); // pkg/plugin.js
 * try { safeEntryPath("../etc/passwd"); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function safeEntryPath(name: string): string {
  const parts = name.replaceAll("\\", "/").split("/").filter((p) => p !== "" && p !== ".");
  if (name.startsWith("/") || /^[a-z]:/i.test(name) || parts.includes("..")) {
    throw new RangeError(`package entry "${name}" escapes the install directory`);
  }
  return parts.join("/");
}

/**
 * Reads the regular files of an (uncompressed) tar archive: ustar, GNU long names and pax `path`
 * records. Links, devices and unsafe names are refused.
 *
 * @example
 * ```ts ignore
 * const files = readTar(bytes); // [{ path: "release.json", bytes }, ...]
 * ```
 */
export function readTar(tar: Uint8Array): TarFile[] {
  const files: TarFile[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    const prefix = field(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = null;
    if (type === "L") {
      longName = decoder.decode(body).replace(/\0.*$/s, "");
      continue;
    }
    if (type === "x") {
      const m = decoder.decode(body).match(/\d+ path=([^\n]*)\n/);
      if (m) longName = m[1];
      continue;
    }
    if (type === "g" || type === "5") continue; // global pax header, directory
    name = safeEntryPath(name);
    if (type !== "0" && type !== "7") {
      throw new RangeError(`package entry "${name}" is a link or special file (type ${type})`);
    }
    files.push({ path: name, bytes: body.slice() });
  }
  return files;
}

/** Gunzips `bytes` (a `.tar.gz`) and reads the tar inside. */
export async function readTarGz(bytes: Uint8Array): Promise<TarFile[]> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return readTar(new Uint8Array(await new Response(stream).arrayBuffer()));
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
 * Unpacks a `.tar.gz` package into `dir` (created) and describes it. Throws a TypeError for a
 * package without a usable `release.json` or module, a RangeError for an unsafe entry.
 *
 * @example
 * ```ts ignore
 * const pkg = await unpackPackage(bytes, "/var/lib/aviary/plugins/packages/prefixer-1.0.0");
 * console.log(pkg.release.name, pkg.main);
 * ```
 */
export async function unpackPackage(bytes: Uint8Array, dir: string): Promise<PackageInfo> {
  const files = stripCommonRoot(await readTarGz(bytes));
  const byName = new Map(files.map((f) => [f.path, f]));
  const release = parseJson<Release>(byName.get("release.json"), "release.json");
  if (!release || typeof release.name !== "string" || typeof release.version !== "string") {
    throw new TypeError("package has no release.json with a name and a version");
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
  await Deno.mkdir(dir, { recursive: true });
  for (const f of files) {
    const target = join(dir, f.path);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(target, f.bytes);
  }
  return { release, main: join(dir, safeEntryPath(main)), schema, i18n };
}
