/**
 * Where an install's bytes come from: an uploaded package, a URL (a gzip answer is a package,
 * anything else a module URL), a path to a `.tar.gz`, or a module path / `npm:` / `file:` source.
 * Downloads and package files are read under `PACKAGE_LIMITS.uploadBytes` (TOO_LARGE beyond).
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { AdminError } from "./admin_errors.ts";
import { PACKAGE_LIMITS, readCapped, tooLarge } from "./package_limits.ts";
import type { PluginPermissions } from "../sdk/plugin.ts";

/** What an install needs: package bytes, or a source (URL or path of a package or a module). */
export interface InstallRequest {
  bytes?: Uint8Array;
  source?: string;
  alias?: string;
  /** The permissions the operator grants; must cover what the plugin declares. */
  grant?: PluginPermissions;
}

/**
 * Package bytes to unpack, or a module source to load as it is.
 *
 * @example
 * ```ts ignore
 * const { bytes, module } = await fetchInstallSource({ source: "./p-1.0.0.tar.gz" }, Deno.cwd());
 * ```
 */
export async function fetchInstallSource(
  req: InstallRequest,
  baseDir: string,
): Promise<{ bytes?: Uint8Array; module?: string }> {
  const limit = PACKAGE_LIMITS.uploadBytes;
  if (req.bytes) {
    if (req.bytes.length > limit) throw tooLarge("The uploaded package", limit);
    return { bytes: req.bytes };
  }
  const src = req.source;
  if (!src) throw new AdminError("BAD_REQUEST", "Give a package file or a source");
  if (/^https?:/.test(src)) {
    const res = await fetch(src).catch((err) => {
      throw new AdminError("BAD_PACKAGE", `Cannot download ${src}: ${err.message}`);
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new AdminError("BAD_PACKAGE", `Cannot download ${src}: HTTP ${res.status}`);
    }
    const bytes = await readCapped(res.body, limit, `The download of ${src}`);
    return bytes[0] === 0x1f && bytes[1] === 0x8b ? { bytes } : { module: src };
  }
  if (/^(npm|file):/.test(src)) return { module: src };
  const path = isAbsolute(src) ? src : resolve(baseDir, src);
  if (/\.(tar\.gz|tgz)$/.test(path)) {
    try {
      const file = await Deno.open(path); // its readable closes it, read to the end or cancelled
      return { bytes: await readCapped(file.readable, limit, `The package file ${path}`) };
    } catch (err) {
      if (err instanceof AdminError) throw err;
      throw new AdminError("BAD_PACKAGE", `Cannot read ${path}: ${(err as Error).message}`);
    }
  }
  return { module: path };
}
