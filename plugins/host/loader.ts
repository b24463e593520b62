/**
 * Turns a `source:` string into something a worker (or the host, for `isolation: none`) can import,
 * reading the bytes itself so that `integrity` pins exactly what runs and the worker never needs
 * read or import permission for its own code.
 *
 * Sources: a built-in name (see builtins.ts), `npm:` specifier, `http(s)://` URL, `file://` URL,
 * or a path (relative to `baseDir`). Files and URLs become `{kind: "code"}`: the worker imports the
 * text from a `blob:` URL, so relative imports inside the plugin do not resolve: ship one file
 * (e.g. `deno bundle`) or import by absolute URL (checked against the plugin's own permissions).
 *
 * @module
 */

import { PluginLoadError } from "./errors.ts";

/** Where a plugin's code comes from, after loading. */
export type LoadedSource =
  /** Source text the host read and verified; imported from a `blob:` URL. */
  | { kind: "code"; url: string; code: string; mediaType: MediaType; integrity: string }
  /** An npm package; the worker imports the specifier at run time. */
  | { kind: "npm"; url: string }
  /** A built-in: imported by URL with the broker's own module-loading permissions. */
  | { kind: "trusted"; url: string };

/** How a blob is labelled so Deno transpiles TypeScript. */
export type MediaType = "application/typescript" | "text/javascript";

/** What the loader needs from the entry. */
export interface SourceSpec {
  source: string;
  integrity?: string | null;
}

/** Loader settings. */
export interface LoaderOptions {
  /** Directory relative paths are resolved against. */
  baseDir: string;
  /** Built-in name -> module URL. */
  builtins: Readonly<Record<string, string>>;
}

/**
 * `sha256-<base64>` of some bytes, as in Subresource Integrity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sriSha256 } from "./loader.ts";
 * assert.equal(
 *   await sriSha256(new TextEncoder().encode("")),
 *   "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
 * );
 * ```
 */
export async function sriSha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  let bin = "";
  for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b);
  return `sha256-${btoa(bin)}`;
}

/**
 * The media type of a module from its URL extension, falling back to a Content-Type header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mediaTypeOf } from "./loader.ts";
 * assert.equal(mediaTypeOf("https://x/p.ts", "text/plain"), "application/typescript");
 * assert.equal(mediaTypeOf("https://x/p", "text/javascript"), "text/javascript");
 * ```
 */
export function mediaTypeOf(url: string, contentType?: string | null): MediaType {
  const path = new URL(url).pathname;
  if (/\.(m|c)?tsx?$/.test(path)) return "application/typescript";
  if (/\.(m|c)?jsx?$/.test(path)) return "text/javascript";
  return contentType && /typescript/i.test(contentType)
    ? "application/typescript"
    : "text/javascript";
}

/**
 * The URL a source string names (built-ins and npm specifiers included), without reading it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSource } from "./loader.ts";
 * const opts = { baseDir: "/etc/aviary", builtins: {} };
 * assert.equal(resolveSource("./p.ts", opts), "file:///etc/aviary/p.ts");
 * ```
 */
export function resolveSource(source: string, opts: LoaderOptions): string {
  if (Object.hasOwn(opts.builtins, source)) return opts.builtins[source];
  if (/^(npm|https?|file):/.test(source)) return source;
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) {
    throw new TypeError(
      `unsupported source scheme in "${source}" (use a path, file:, http(s): or npm:)`,
    );
  }
  const base = opts.baseDir.endsWith("/") ? opts.baseDir : opts.baseDir + "/";
  return new URL(source, new URL(base, "file:///")).href;
}

/**
 * The first line of an import error, with the place of the fault in the plugin's own source
 * (`file:line:column: message`) when the error names a place in the `blob:` the cage imported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importErrorText } from "./loader.ts";
 * const msg = "SyntaxError: Expression expected\n  |\n3 | x +;\n  |    ~\n    at blob:null/4c0a:3:4";
 * assert.equal(
 *   importErrorText(msg, "file:///etc/aviary/my%20plugin.js"),
 *   "/etc/aviary/my plugin.js:3:4: SyntaxError: Expression expected",
 * );
 * assert.equal(importErrorText("Boom\nmore", "https://x/p.js"), "Boom");
 * ```
 */
export function importErrorText(message: string, sourceUrl: string): string {
  const first = message.split("\n")[0];
  const at = message.match(/\bat blob:[^\s:]+:(\d+):(\d+)/);
  if (!at) return first;
  const where = sourceUrl.startsWith("file:")
    ? decodeURIComponent(new URL(sourceUrl).pathname)
    : sourceUrl;
  return `${where}:${at[1]}:${at[2]}: ${first}`;
}

/**
 * Reads (or fetches) a plugin's source and checks its integrity pin.
 * Throws PluginLoadError with a reason an operator can act on.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { loadSource } from "./loader.ts";
 * const src = await loadSource("acl", { source: "./acl.ts" }, { baseDir: Deno.cwd(), builtins: {} });
 * assert.equal(src.kind, "code");
 * ```
 */
export async function loadSource(
  alias: string,
  spec: SourceSpec,
  opts: LoaderOptions,
): Promise<LoadedSource> {
  let url: string;
  try {
    url = resolveSource(spec.source, opts);
  } catch (err) {
    throw new PluginLoadError(alias, (err as Error).message);
  }
  const builtin = Object.hasOwn(opts.builtins, spec.source);
  if (url.startsWith("npm:")) {
    if (spec.integrity) {
      throw new PluginLoadError(
        alias,
        "integrity is not supported for npm: sources (pin the version)",
      );
    }
    return { kind: "npm", url };
  }
  const { bytes, contentType } = await readBytes(alias, url);
  const integrity = await sriSha256(bytes);
  if (spec.integrity && spec.integrity !== integrity) {
    throw new PluginLoadError(
      alias,
      `integrity mismatch (expected ${spec.integrity}, got ${integrity})`,
    );
  }
  if (builtin) return { kind: "trusted", url };
  const code = new TextDecoder().decode(bytes);
  return { kind: "code", url, code, mediaType: mediaTypeOf(url, contentType), integrity };
}

async function readBytes(
  alias: string,
  url: string,
): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  try {
    if (url.startsWith("file:")) {
      return { bytes: await Deno.readFile(new URL(url)), contentType: null };
    }
    const res = await fetch(url, { redirect: "follow" });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} ${res.statusText}`);
    }
    return {
      bytes: new Uint8Array(await res.arrayBuffer()),
      contentType: res.headers.get("content-type"),
    };
  } catch (err) {
    throw new PluginLoadError(alias, `cannot read ${url}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
