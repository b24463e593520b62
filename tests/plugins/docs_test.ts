// docs/hookpoints.md must carry the table generated from plugins/sdk/hookpoints.ts.
import { deepEqual as assertEquals } from "node:assert/strict";
import { hookpointsMarkdown } from "../../plugins/sdk/hookpoints_markdown.ts";

const rows = (md: string) =>
  md.split("\n")
    .filter((l) => /^\| `[a-z]+\.[a-z_]+` \|/.test(l.replace(/\s+/g, " ")))
    .map((l) => l.split("|").map((c) => c.trim()).filter(Boolean).join(" | "));

Deno.test("docs/hookpoints.md lists every hookpoint exactly as the table declares it", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/hookpoints.md", import.meta.url));
  assertEquals(rows(doc), rows(hookpointsMarkdown()));
});
