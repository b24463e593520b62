/**
 * The dependency picture of the repository: `deno task deps` prints which folder imports which
 * (non-test modules, as a Mermaid flowchart), then any import against the layers of `layers.ts`
 * and any import cycle. Exits 1 when there is either.
 *
 * @module
 */
import { cycles, type ImportGraph, isTest, layerViolations, readGraph } from "./layers.ts";

/** The folder a module is drawn in: its first two path levels (`broker/handlers`, `cli`). */
export function folderOf(path: string): string {
  const parts = path.split("/");
  return parts.length <= 2 ? (parts.length === 1 ? "." : parts[0]) : `${parts[0]}/${parts[1]}`;
}

/**
 * Folder-to-folder import counts among non-test modules, as Mermaid `flowchart` lines.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { picture } from "./deps.ts";
 * const g = new Map([["broker/client.ts", ["lib/log.ts"]], ["lib/log.ts", []]]);
 * deepEqual(picture(g), ["flowchart TD", '  broker["broker"] -->|1| lib["lib"]']);
 * ```
 */
export function picture(graph: ImportGraph): string[] {
  const edges = new Map<string, number>();
  for (const [from, tos] of graph) {
    if (isTest(from)) continue;
    for (const to of tos) {
      const a = folderOf(from), b = folderOf(to);
      if (a !== b) edges.set(`${a}\t${b}`, (edges.get(`${a}\t${b}`) ?? 0) + 1);
    }
  }
  const id = (f: string) => `${f.replace(/[^a-z0-9]/gi, "_")}["${f}"]`;
  return [
    "flowchart TD",
    ...[...edges].sort().map(([k, n]) => {
      const [a, b] = k.split("\t");
      return `  ${id(a)} -->|${n}| ${id(b)}`;
    }),
  ];
}

if (import.meta.main) {
  const graph = await readGraph(new URL("..", import.meta.url).pathname.replace(/\/$/, ""));
  console.log(picture(graph).join("\n"));
  const bad = layerViolations(graph);
  const loops = cycles(graph);
  for (const b of bad) console.log(`against the layers: ${b}`);
  for (const c of loops) console.log(`cycle: ${c.join(" ")}`);
  console.log(
    `${graph.size} modules, ${bad.length} imports against the layers, ${loops.length} cycles`,
  );
  if (bad.length || loops.length) Deno.exit(1);
}
