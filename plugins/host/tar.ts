/**
 * A small streaming reader of gzipped tar archives for plugin packages. The compressed bytes are
 * fed to the inflater a few KiB at a time and the inflated stream is counted as it comes, so a
 * gzip bomb is refused within {@linkcode PACKAGE_LIMITS} before it can be held in memory. Only
 * regular files are returned; links, devices and names escaping the folder are refused.
 *
 * @module
 */

import { INFLATE_SLICE, PACKAGE_LIMITS, tooLarge } from "./package_limits.ts";
import { AdminError } from "./admin_errors.ts";

/** One regular file of a tar archive. */
export interface TarFile {
  path: string;
  bytes: Uint8Array;
}

/** Limits of one read (default {@linkcode PACKAGE_LIMITS}). */
export interface TarLimits {
  unpackedBytes: number;
  entries: number;
}

const decoder = new TextDecoder();

function field(block: Uint8Array, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
}

function octal(block: Uint8Array, start: number, length: number): number {
  const text = field(block, start, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new RangeError(`package entry has a bad size field "${text}"`);
  return parseInt(text, 8);
}

/**
 * Checks that a tar entry name stays inside the directory it is unpacked into and returns it
 * normalized. Throws a RangeError for an absolute path or a `..` segment.
 *
 * @example
 * ```ts
 * import { safeEntryPath } from "./tar.ts";
 * if (safeEntryPath("./pkg/plugin.js") !== "pkg/plugin.js") throw new Error("wrong");
 * try { safeEntryPath("../etc/passwd"); throw new Error("not refused"); }
 * catch (e) { if (!(e instanceof RangeError)) throw e; }
 * ```
 */
export function safeEntryPath(name: string): string {
  const parts = name.replaceAll("\\", "/").split("/").filter((p) => p !== "" && p !== ".");
  if (/^[\\/]/.test(name) || /^[a-z]:/i.test(name) || parts.includes("..") || name.includes("\0")) {
    throw new RangeError(`package entry "${name}" escapes the install directory`);
  }
  return parts.join("/");
}

/** Pulls exact byte counts out of the inflated stream, counting every byte against a budget. */
class InflatedBytes {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #total = 0;
  #limit: number;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number) {
    this.#reader = reader;
    this.#limit = limit;
  }

  /** Bytes still allowed. */
  get budget(): number {
    return this.#limit - this.#total + this.#buffered;
  }

  /** Exactly `n` bytes, or null at the end of the stream before any; RangeError when cut. */
  async take(n: number): Promise<Uint8Array | null> {
    while (this.#buffered < n) {
      const { value, done } = await this.#reader.read();
      if (done) {
        if (this.#buffered === 0) return null;
        throw new RangeError("package archive is truncated");
      }
      this.#total += value.length;
      if (this.#total > this.#limit) throw tooLarge("The unpacked package", this.#limit);
      this.#chunks.push(value);
      this.#buffered += value.length;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0];
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

function slices(bytes: Uint8Array): ReadableStream<Uint8Array<ArrayBuffer>> {
  let at = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + INFLATE_SLICE));
      at += INFLATE_SLICE;
    },
  }, { highWaterMark: 0 });
}

/** Parses headers and bodies until the end-of-archive block. */
async function readEntries(src: InflatedBytes, limits: TarLimits): Promise<TarFile[]> {
  const files: TarFile[] = [];
  let longName: string | null = null;
  for (let count = 1;; count++) {
    const header = await src.take(512);
    if (header === null || header.every((b) => b === 0)) return files;
    if (count > limits.entries) {
      throw new AdminError(
        "TOO_LARGE",
        `The package has more than ${limits.entries} entries (files, folders and records)`,
        { limit: limits.entries },
      );
    }
    const size = octal(header, 124, 12);
    const padded = Math.ceil(size / 512) * 512;
    if (padded > src.budget) throw tooLarge("The unpacked package", limits.unpackedBytes);
    const type = String.fromCharCode(header[156] || 48);
    const body = (await src.take(padded))?.subarray(0, size) ?? new Uint8Array();
    const prefix = field(header, 345, 155);
    const name = safeEntryPath(
      longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100)),
    );
    longName = null;
    if (type === "L") longName = decoder.decode(body).replace(/\0.*$/s, "");
    else if (type === "x") longName = /\d+ path=([^\n]*)\n/.exec(decoder.decode(body))?.[1] ?? null;
    else if (type === "g" || type === "5") continue; // global pax header, directory
    else if (type === "0" || type === "7") files.push({ path: name, bytes: body });
    else throw new RangeError(`package entry "${name}" is a link or special file (type ${type})`);
  }
}

/**
 * Inflates a `.tar.gz` and reads its regular files, refusing (TOO_LARGE) as soon as the inflated
 * bytes or the entry count pass `limits`; RangeError for an unsafe or malformed entry.
 *
 * @example
 * ```ts ignore
 * const files = await readTarGz(bytes); // [{ path: "release.json", bytes }, ...]
 * ```
 */
export async function readTarGz(
  bytes: Uint8Array,
  limits: TarLimits = PACKAGE_LIMITS,
): Promise<TarFile[]> {
  const inflated = slices(bytes).pipeThrough(new DecompressionStream("gzip"));
  const src = new InflatedBytes(inflated.getReader(), limits.unpackedBytes);
  try {
    return await readEntries(src, limits);
  } finally {
    await src.cancel();
  }
}
