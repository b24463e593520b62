/**
 * The fuzzer in the test suite: every input in tests/fuzz/corpus/ (inputs that once failed) is
 * replayed, then a seeded run of {@linkcode SHORT_RUN} generated and mutated inputs drives the
 * broker over the memory transport. The oracle here is the basic one: the broker never throws,
 * never hangs (answers the probe PINGREQ or closes), writes whole packets, keeps serving a healthy
 * client. `deno task fuzz --strict` adds the spec's answer rules.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { readCorpus, toHex } from "../../fuzz/corpus.ts";
import { fuzz, runInput } from "../../fuzz/run.ts";
import { startTarget } from "../../fuzz/target.ts";

/** Inputs of the in-suite run: about 20 s on a 2-core machine. */
const SHORT_RUN = 100_000;
const SEED = 20261210;
const CORPUS = fileURLToPath(new URL("./corpus", import.meta.url));

Deno.test("fuzz corpus: every input that once failed is handled without a throw or a hang", async () => {
  const target = await startTarget("memory");
  try {
    const corpus = await readCorpus(CORPUS);
    assert.ok(corpus.length > 0, "the corpus is empty");
    const failed: string[] = [];
    for (const { name, input } of corpus) {
      for (const p of await runInput(target, input)) failed.push(`${name}: ${p.kind}: ${p.detail}`);
    }
    assert.deepEqual(failed, []);
  } finally {
    await target.close();
  }
});

Deno.test(`fuzz: ${SHORT_RUN} seeded inputs over the memory transport, no throw, no hang, still serving`, async () => {
  const target = await startTarget("memory");
  try {
    const r = await fuzz(target, { seed: SEED, inputs: SHORT_RUN });
    const seen = new Set<string>();
    const report = r.failures.filter((f) => !seen.has(f.detail) && seen.add(f.detail))
      .map((f) =>
        `#${f.index} (${f.input.note}) ${f.kind}: ${f.detail}\n  ${
          f.input.chunks.map(toHex).join(" ")
        }`
      );
    assert.deepEqual(report, [], `seed ${SEED}: ${r.failures.length} failures`);
    assert.equal(r.inputs, SHORT_RUN);
    assert.ok(r.healthChecks >= SHORT_RUN / 500, "the healthy client was checked");
  } finally {
    await target.close();
  }
});
