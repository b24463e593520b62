/**
 * File pins of installed packages: the sha256 (SRI form, `sha256-<base64>`) of every file
 * written at install, recorded in state.json (`package.files`), and checked before every start
 * (API start, restart, config-triggered reload, broker boot). A file changed, added or removed
 * since the install, or a link or special file in the folder, refuses the start with the list.
 *
 * @module
 */

import { join } from "node:path";
import { sriSha256 } from "./loader.ts";

/** Relative path (with `/`) → `sha256-<base64>`. */
export type FilePins = Record<string, string>;

/**
 * Pins files held in memory (what an install writes).
 *
 * @example
 * ```ts
 * import { pinFiles } from "./pins.ts";
 * const pins = await pinFiles([{ path: "a.js", bytes: new Uint8Array() }]);
 * if (pins["a.js"] !== "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") throw new Error();
 * ```
 */
export async function pinFiles(files: { path: string; bytes: Uint8Array }[]): Promise<FilePins> {
  const pins: FilePins = {};
  for (const f of files) pins[f.path] = await sriSha256(f.bytes);
  return pins;
}

/** Every regular file under `dir` (relative paths); a link or special file is listed as odd. */
async function walk(dir: string, sub = "", out = { files: [] as string[], odd: [] as string[] }) {
  for await (const e of Deno.readDir(join(dir, sub))) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isSymlink) out.odd.push(rel);
    else if (e.isDirectory) await walk(dir, rel, out);
    else if (e.isFile) out.files.push(rel);
    else out.odd.push(rel);
  }
  return out;
}

/**
 * Compares the files under `dir` with their pins; null when they match, else the reason, e.g.
 * `files changed since install: plugin.js changed, extra.js added`.
 *
 * @example
 * ```ts ignore
 * const why = await checkPins(record.package.dir, record.package.files);
 * if (why) throw new Error(why);
 * ```
 */
export async function checkPins(dir: string, pins: FilePins | undefined): Promise<string | null> {
  if (!pins) return "the package has no file pins (installed by an older Aviary): reinstall it";
  let found;
  try {
    found = await walk(dir);
  } catch (err) {
    return `cannot read the package folder ${dir}: ${(err as Error).message}`;
  }
  const problems: string[] = found.odd.map((p) => `${p} is a link or special file`);
  for (const path of found.files.sort()) {
    const pin = pins[path];
    if (pin === undefined) problems.push(`${path} added`);
    else if (pin !== await sriSha256(await Deno.readFile(join(dir, path)))) {
      problems.push(`${path} changed`);
    }
  }
  const present = new Set(found.files);
  for (const path of Object.keys(pins).sort()) {
    if (!present.has(path)) problems.push(`${path} removed`);
  }
  return problems.length === 0 ? null : `files changed since install: ${problems.join(", ")}`;
}
