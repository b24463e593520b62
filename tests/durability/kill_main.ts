// `deno task durability [--kills N] [--seed S]`: the kill -9 run, longer than the one in
// `deno task test`. Exits 1 when an acknowledged message was lost or a QoS 2 one duplicated.
import { parseArgs } from "node:util";
import { runKills } from "./_kill_run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { kills: { type: "string", default: "100" }, seed: { type: "string", default: "1" } },
});
const report = await runKills({
  kills: Number(values.kills),
  seed: Number(values.seed),
  log: (line) => console.error(line),
});
console.log(
  JSON.stringify({
    ...report,
    missing: report.missing.length,
    duplicated: report.duplicated.length,
  }),
);
if (report.missing.length > 0 || report.duplicated.length > 0 || !report.retainedBack) {
  console.error("FAILED", {
    missing: report.missing.slice(0, 20),
    duplicated: report.duplicated.slice(0, 20),
  });
  Deno.exit(1);
}
