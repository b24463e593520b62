/**
 * The README's YAML examples are valid broker configs (the schema and the semantic checks).
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../server/config/mod.ts";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

Deno.test("README: every YAML example is a valid config", () => {
  assert.ok(blocks.length >= 8, `found ${blocks.length} YAML examples`);
  for (const [i, yaml] of blocks.entries()) {
    assert.doesNotThrow(() => parseConfig(yaml, `README.md example ${i + 1}`), yaml);
  }
});
