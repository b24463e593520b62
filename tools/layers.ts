/**
 * The repository's layers and the import graph between its modules: which folder may import
 * which, read from the source text. `deps.ts` prints the picture; `tests/architecture_test.ts`
 * asserts it.
 *
 * @module
 */

/** A layer: a path prefix and the prefixes its non-test modules may import. */
export interface Layer {
  /** Path prefix relative to the repository root (`broker/`, or a file such as `main.ts`). */
  path: string;
  /** What it is, for the picture. */
  role: string;
  /** Prefixes its modules may import (its own prefix is always allowed). */
  imports: readonly string[];
}

const BELOW_APP = ["server/", "broker/", "plugins/", "lib/", "schema/"] as const;

/**
 * The layers, most specific first: a module belongs to the first whose path it starts with.
 * Test modules (`*_test.ts`, test support `*_testing.ts`, `*_test_helpers.ts`, everything under `tests/`) may import
 * anything.
 */
export const LAYERS: readonly Layer[] = [
  { path: "plugins/sdk/", role: "the plugin contract (zero dependency)", imports: [] },
  { path: "plugins/builtin/", role: "built-in plugins", imports: ["plugins/sdk/"] },
  {
    path: "plugins/host/",
    role: "loader, cages, RPC",
    imports: ["plugins/sdk/", "lib/", "schema/"],
  },
  { path: "lib/", role: "leaf utilities: log, clock", imports: [] },
  { path: "schema/", role: "Avro schemas and validation", imports: ["lib/"] },
  { path: "broker/", role: "the MQTT core", imports: ["plugins/sdk/", "lib/"] },
  { path: "server/", role: "assembly: listeners, plugin host, admin, config", imports: BELOW_APP },
  { path: "cli/", role: "the command line", imports: BELOW_APP },
  { path: "main.ts", role: "entry point", imports: ["cli/", ...BELOW_APP] },
  { path: "mod.ts", role: "embedding entry (startBroker for applications)", imports: BELOW_APP },
  { path: "bench/", role: "benchmarks", imports: ["cli/", "main.ts", "fuzz/", ...BELOW_APP] },
  { path: "fuzz/", role: "the fuzzer", imports: ["cli/", ...BELOW_APP] },
  { path: "tools/", role: "repository tooling", imports: [] },
];

/** Whether `path` is test code, free to import any layer. */
export function isTest(path: string): boolean {
  return path.startsWith("tests/") || /(_test|_testing|_test_helpers)\.[jt]s$/.test(path);
}

/** The layer a module belongs to, if any. */
export function layerOf(path: string): Layer | undefined {
  return LAYERS.find((l) => path.startsWith(l.path));
}

/**
 * Whether non-test module `from` may import module `to` (paths relative to the root).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { mayImport } from "./layers.ts";
 * equal(mayImport("broker/client.ts", "plugins/sdk/events.ts"), true);
 * equal(mayImport("broker/client.ts", "plugins/host/mod.ts"), false);
 * equal(mayImport("plugins/host/rpc.ts", "broker/codec.ts"), false);
 * ```
 */
export function mayImport(from: string, to: string): boolean {
  const layer = layerOf(from);
  if (!layer) return true;
  return to.startsWith(layer.path) || layer.imports.some((p) => to.startsWith(p));
}

/** Module path -> the repository modules it imports (relative specifiers, resolved). */
export type ImportGraph = Map<string, string[]>;

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm;

/** Strips block and line comments so that JSDoc examples do not count as imports. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Repository-relative paths of the modules `src` (the text of module `path`) imports. */
export function importsOf(path: string, src: string): string[] {
  const base = new URL(path, "file:///r/");
  return [...stripComments(src).matchAll(SPECIFIER)].map((m) =>
    new URL(m[1] ?? m[2] ?? m[3], base).pathname.slice(3)
  );
}

/** The import graph of every `.ts`/`.js` module below `root` (git-tracked layout, no vendor dirs). */
export async function readGraph(root: string): Promise<ImportGraph> {
  const graph: ImportGraph = new Map();
  const skip = new Set([".git", "node_modules", ".data", "coverage", "peers"]);
  async function walk(dir: string): Promise<void> {
    for await (const e of Deno.readDir(`${root}/${dir}`)) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory && !skip.has(e.name)) await walk(rel);
      else if (e.isFile && /\.(ts|js)$/.test(e.name)) {
        graph.set(rel, importsOf(rel, await Deno.readTextFile(`${root}/${rel}`)));
      }
    }
  }
  await walk("");
  return graph;
}

/** Imports that go against {@linkcode LAYERS}, as `from -> to`. */
export function layerViolations(graph: ImportGraph): string[] {
  const bad: string[] = [];
  for (const [from, tos] of graph) {
    if (isTest(from)) continue;
    for (const to of tos) if (!mayImport(from, to)) bad.push(`${from} -> ${to}`);
  }
  return bad;
}

/**
 * Import cycles among non-test modules (strongly connected components of two or more modules).
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { cycles } from "./layers.ts";
 * const g = new Map([["a.ts", ["b.ts"]], ["b.ts", ["a.ts"]], ["c.ts", ["a.ts"]]]);
 * deepEqual(cycles(g), [["a.ts", "b.ts"]]);
 * ```
 */
export function cycles(graph: ImportGraph): string[][] {
  const nodes = [...graph.keys()].filter((p) => !isTest(p));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w) || isTest(w)) continue;
      if (!index.has(w)) visit(w);
      if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) found.push(scc.sort());
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}
