/**
 * `deno task fuzz`: drives the broker with generated and mutated packets and checks it after each
 * input. Flags: `--seed N`, `--inputs N`, `--tcp`, `--strict`, `--lanes N` (default 8, strict 1), `--corpus DIR`
 * (where failing inputs go, default tests/fuzz/corpus), `--replay` (run the corpus instead).
 * Exits 1 when anything failed.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readCorpus, toHex } from "./corpus.ts";
import type { Observed } from "./oracle.ts";
import { fuzz, runInput } from "./run.ts";
import { mib } from "./tally.ts";
import { startTarget } from "./target.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    inputs: { type: "string", default: "100000" },
    tcp: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    lanes: { type: "string" },
    "health-every": { type: "string", default: "500" },
    corpus: { type: "string", default: "tests/fuzz/corpus" },
    replay: { type: "boolean", default: false },
  },
});

const target = await startTarget(values.tcp ? "tcp" : "memory");
let failed = 0;
if (values.replay) {
  for (const dir of [values.corpus, ...(values.strict ? [`${values.corpus}/strict`] : [])]) {
    for (const { name, input } of await readCorpus(dir)) {
      let sent = "";
      const observe = (o: Observed) => sent = o.wire.packets.map((p) => toHex(p.bytes)).join(" ");
      const problems = await runInput(target, input, { strict: values.strict, observe });
      failed += problems.length;
      console.log(
        `${problems.length ? "FAIL" : "ok  "} ${dir}/${name}\n  broker sent: ${sent || "nothing"}`,
      );
      for (const p of problems) console.log(`  ${p.kind}: ${p.detail}`);
    }
  }
} else {
  const seed = Number(values.seed);
  console.log(
    `fuzz: seed ${seed}, ${values.inputs} inputs, ${values.tcp ? "tcp" : "memory"}${
      values.strict ? ", strict" : ""
    }`,
  );
  const r = await fuzz(target, {
    seed,
    inputs: Number(values.inputs),
    strict: values.strict,
    // Strict answers are judged per connection: one lane, so no other input takes a session over.
    lanes: Number(values.lanes ?? (values.strict ? 1 : 8)),
    healthEvery: Number(values["health-every"]),
    corpus: values.corpus,
    print: (line) => console.log(line),
  });
  failed = r.failures.length;
  console.log(
    `\n${r.inputs} inputs in ${r.seconds.toFixed(1)} s: ${r.perSecond.toFixed(0)} inputs/s`,
  );
  console.log(`failures ${r.failures.length}, hangs ${r.hangs}, health checks ${r.healthChecks}`);
  console.log(
    `rss start ${mib(r.rssStart)}, end ${mib(r.rssEnd)} (growth ${
      mib(r.rssEnd - r.rssStart)
    }); sessions kept ${r.sessions}`,
  );
  for (const [cls, n] of r.classes) console.log(`  ${n} x ${cls}`);
}
await target.close();
Deno.exit(failed > 0 ? 1 : 0);
