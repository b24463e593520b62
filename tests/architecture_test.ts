/**
 * The shape of the repository, asserted: imports follow the layers of `tools/layers.ts`, no
 * module takes part in an import cycle, and `deno lint` (with `tools/lint/aviary.ts`: at most 300
 * lines a file, 60 a function) passes.
 *
 * @module
 */
import { deepEqual, equal } from "node:assert/strict";
import { cycles, layerViolations, readGraph } from "../tools/layers.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const graph = await readGraph(ROOT);

Deno.test("architecture: broker/ imports nothing from plugins/ but the SDK, nor from server/ or cli/", () => {
  const broker = layerViolations(graph).filter((v) => v.startsWith("broker/"));
  deepEqual(broker, []);
});

Deno.test("architecture: every non-test import goes down the layers (tools/layers.ts)", () => {
  deepEqual(layerViolations(graph), []);
});

Deno.test("architecture: no import cycle in broker/", () => {
  deepEqual(cycles(graph).filter((c) => c.some((m) => m.startsWith("broker/"))), []);
});

Deno.test("architecture: no import cycle anywhere in non-test code", () => {
  deepEqual(cycles(graph), []);
});

Deno.test("architecture: the scan sees the core's imports (a guard against a broken scanner)", () => {
  const imports = graph.get("broker/broker.ts") ?? [];
  equal(imports.some((m) => m.startsWith("lib/")), true);
  equal(graph.size > 200, true);
});

Deno.test("architecture: deno lint passes, file and function sizes included (tools/lint/aviary.ts)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["lint", "--quiet"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  // deno-lint-ignore no-control-regex
  equal(out.code, 0, text.replace(/\x1b\[[0-9;]*m/g, "").slice(0, 4000));
});
