/**
 * The size limits of plugin packages, in one place, and the one way bytes from outside are read
 * under a limit: counted while they stream in, refused as soon as the limit is passed (never
 * buffered whole first).
 *
 * | limit           | default | applies to                                                    |
 * | --------------- | ------- | ------------------------------------------------------------- |
 * | `uploadBytes`   | 16 MiB  | an uploaded, downloaded or read `.tar.gz` (compressed bytes)  |
 * | `unpackedBytes` | 64 MiB  | the decompressed tar stream (every entry, headers included)   |
 * | `entries`       | 1,000   | tar entries (files, folders, metadata records)                |
 *
 * @module
 */

import { concatBytes } from "./_bytes.ts";
import { AdminError } from "./admin_errors.ts";

const MiB = 1024 * 1024;

/** Package limits (see the module doc). */
export const PACKAGE_LIMITS = {
  uploadBytes: 16 * MiB,
  unpackedBytes: 64 * MiB,
  entries: 1000,
} as const;

/** Compressed bytes fed to the inflater at a time: one slice inflates to at most ~1032 times it. */
export const INFLATE_SLICE = 4096;

/**
 * Formats a byte count for messages.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./package_limits.ts";
 * if (formatBytes(16 * 1024 * 1024) !== "16 MiB") throw new Error("wrong");
 * ```
 */
export function formatBytes(n: number): string {
  if (n < MiB) return `${n} bytes`;
  return n % MiB === 0 ? `${n / MiB} MiB` : `${(n / MiB).toFixed(2)} MiB`;
}

/** The TOO_LARGE refusal for `what` over `limit` bytes. */
export function tooLarge(what: string, limit: number): AdminError {
  return new AdminError("TOO_LARGE", `${what} is larger than the limit of ${formatBytes(limit)}`, {
    limit,
  });
}

/**
 * Reads a stream into one buffer, refusing (TOO_LARGE, stream cancelled) as soon as more than
 * `limit` bytes arrived.
 *
 * @example
 * ```ts
 * import { readCapped } from "./package_limits.ts";
 * const bytes = await readCapped(new Blob(["abc"]).stream(), 3, "The upload");
 * if (bytes.length !== 3) throw new Error("wrong");
 * await readCapped(new Blob(["abcd"]).stream(), 3, "The upload").then(
 *   () => { throw new Error("not refused"); },
 *   (e) => { if (e.code !== "TOO_LARGE") throw e; },
 * );
 * ```
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (stream) {
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(what, limit);
      }
      chunks.push(value);
    }
  }
  return concatBytes(chunks);
}
