import assert from "node:assert/strict";
import { referenceRows } from "./_reference.ts";
import { parseConfig } from "./load.ts";

const REFERENCE = await Deno.readTextFile(new URL("./REFERENCE.md", import.meta.url));

/** Table rows of REFERENCE.md as [key, type, default] with padding removed. */
function documentedRows(): string[][] {
  return REFERENCE.split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split(/(?<!\\)\|/).slice(1, 4).map((cell) => cell.trim()));
}

Deno.test("REFERENCE.md documents every key with the schema's type and default", () => {
  const expected = referenceRows().map((r) => [`\`${r.key}\``, r.type, r.default]);
  assert.deepEqual(documentedRows(), expected);
});

Deno.test("REFERENCE.md's example config is valid", () => {
  const example = /```yaml\n([\s\S]*?)```/.exec(REFERENCE)?.[1];
  assert.ok(example);
  const cfg = parseConfig(example, "aviary.yaml");
  assert.deepEqual(
    Object.values(cfg.listeners).map((l) => l.type),
    ["tcp", "tls", "ws", "wss"],
  );
});
