/**
 * Writes a `.tar.gz` (ustar, regular files only) for `aviary plugins pack`; the reader the broker
 * installs with is `plugins/host/tar.ts`.
 *
 * @module
 */

const encoder = new TextEncoder();

function header(path: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number) => h.set(encoder.encode(s), at);
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";
  if (encoder.encode(path).length > 100) throw new RangeError(`path too long for tar: ${path}`);
  put(path, 0);
  put(octal(0o644, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put("        ", 148);
  h[156] = 0x30; // regular file
  put("ustar\x0000", 257);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

/**
 * Gzips a tar of `files` (path -> bytes), in the given order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeTarGz } from "./_pack_tar.ts";
 * import { readTarGz } from "../plugins/host/tar.ts";
 * const gz = await writeTarGz({ "p-1/release.json": new TextEncoder().encode("{}") });
 * const files = await readTarGz(gz);
 * assert.deepEqual(files.map((f) => f.path), ["p-1/release.json"]);
 * ```
 */
export async function writeTarGz(
  files: Record<string, Uint8Array>,
  mtime = Math.floor(Date.now() / 1000),
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const [path, bytes] of Object.entries(files)) {
    parts.push(header(path, bytes.length, mtime), bytes);
    const pad = (512 - (bytes.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  const gz = new Blob(parts as Uint8Array<ArrayBuffer>[]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(gz).arrayBuffer());
}
