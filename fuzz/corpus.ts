/**
 * The corpus: inputs that once failed, one input per `.hex` file, one written chunk per line as
 * hex, `#` lines for comments (seed, index, what failed).
 *
 * @module
 */
import type { FuzzInput } from "./input.ts";

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Parses a corpus file's text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCorpusFile } from "./corpus.ts";
 * const input = parseCorpusFile("# a comment\nc000\n 8203 0001 \n");
 * assert.deepEqual(input.chunks.map((c) => [...c]), [[0xc0, 0x00], [0x82, 0x03, 0x00, 0x01]]);
 * ```
 */
export function parseCorpusFile(text: string, note = "corpus"): FuzzInput {
  const chunks = text.split("\n")
    .map((line) => line.replace(/\s+/g, ""))
    .filter((line) => line.length > 0 && !line.startsWith("#"))
    .map((line) => {
      if (!/^([0-9a-fA-F]{2})+$/.test(line)) throw new SyntaxError(`Invalid hex line: ${line}`);
      return new Uint8Array(line.match(/../g)!.map((b) => parseInt(b, 16)));
    });
  return { chunks, note };
}

/** The text of a corpus file for `input`, with comment lines first. */
export function formatCorpusFile(input: FuzzInput, comments: string[]): string {
  return [...comments.map((c) => `# ${c.replaceAll("\n", " ")}`), ...input.chunks.map(toHex)]
    .join("\n") + "\n";
}

/** Every `.hex` file directly in `dir` (sorted by name); none if it does not exist. */
export async function readCorpus(dir: string): Promise<{ name: string; input: FuzzInput }[]> {
  const out: { name: string; input: FuzzInput }[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.endsWith(".hex")) continue;
      const text = await Deno.readTextFile(`${dir}/${entry.name}`);
      out.push({ name: entry.name, input: parseCorpusFile(text, entry.name) });
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
