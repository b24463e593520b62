/**
 * `deno task bench`: Aviary side by side with Mosquitto and aedes on this machine.
 *
 * ```
 * deno task bench [--runs 3] [--full] [--idle N] [--only id,id] [--brokers aviary,mosquitto]
 *                 [--scale 1] [--max-minutes 45] [--install-peers] [--profile] [--out file]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BROKER_LABELS, BROKERS, type BrokerId, missing, PEERS_DIR } from "./brokers.ts";
import { stopAll } from "./_procs.ts";
import { markdownTable, type Row, rowsOf, targetChecks } from "./report.ts";
import { runScenario, type ScenarioOutcome } from "./runner.ts";
import { SCENARIOS } from "./scenarios.ts";
import { newestProfile, profileTable, selfTimes } from "./profile.ts";
import { machine } from "./machine.ts";

const HELP = `Usage: deno task bench [options]

  --runs N          runs per broker and scenario; the median is reported (default 3)
  --full            20,000 idle connections instead of 2,000
  --idle N          idle connections (overrides --full)
  --only IDS        comma-separated scenario ids (${SCENARIOS.map((s) => s.id).join(", ")})
  --brokers IDS     comma-separated brokers (${BROKERS.join(", ")})
  --scale X         multiply message counts (e.g. 0.05 for a quick development run)
  --max-minutes M   no new run starts after M minutes (default 45)
  --install-peers   npm install aedes into bench/peers/node_modules first
  --profile         profile Aviary with --cpu-prof during QoS0 1->1 and print the top 15
  --out FILE        JSON results (default bench/results/latest.json)
`;

const RESULTS = new URL("./results/", import.meta.url).pathname;

async function installPeers(): Promise<void> {
  console.log(`Installing aedes into ${PEERS_DIR}node_modules (npm install --prefix bench/peers)`);
  const out = await new Deno.Command("npm", {
    args: ["install", "--prefix", PEERS_DIR, "--no-package-lock", "--no-audit", "--no-fund"],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`npm install --prefix bench/peers failed (exit ${out.code})`);
}

async function availableBrokers(wanted: BrokerId[]): Promise<BrokerId[]> {
  const ok: BrokerId[] = [];
  for (const b of wanted) {
    const why = await missing(b);
    if (why) console.log(`Skipping ${BROKER_LABELS[b]}: ${why}`);
    else ok.push(b);
  }
  return ok;
}

function list<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] {
  if (!value) return [...all];
  const picked = value.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = picked.filter((p) => !all.includes(p as T));
  if (unknown.length) throw new RangeError(`Unknown ${what}: ${unknown.join(", ")}`);
  return picked as T[];
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      runs: { type: "string", default: "3" },
      full: { type: "boolean", default: false },
      idle: { type: "string" },
      only: { type: "string" },
      brokers: { type: "string" },
      scale: { type: "string", default: "1" },
      "max-minutes": { type: "string", default: "45" },
      "install-peers": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const runs = Math.max(1, Math.min(9, Number(values.runs) || 3));
  const scale = Number(values.scale) > 0 ? Number(values.scale) : 1;
  const idleCount = Number(values.idle) || (values.full ? 20_000 : 2_000);
  let scenarioIds = list(values.only, SCENARIOS.map((s) => s.id), "scenario");
  let wanted = list(values.brokers, BROKERS, "broker");
  if (values.profile) {
    scenarioIds = ["qos0-1to1"];
    wanted = ["aviary"];
  }
  if (values["install-peers"]) await installPeers();
  const available = await availableBrokers(wanted);
  const workDir = await Deno.makeTempDir({ prefix: "aviary-bench-" });
  const cpuProfDir = values.profile ? `${RESULTS}profile` : undefined;
  if (cpuProfDir) {
    await Deno.remove(cpuProfDir, { recursive: true }).catch(() => {});
    await Deno.mkdir(cpuProfDir, { recursive: true });
  }
  const startedAt = new Date();
  const deadline = Date.now() + Number(values["max-minutes"]) * 60_000;
  const outcomes: ScenarioOutcome[] = [];
  const rows: Row[] = [];
  try {
    for (const s of SCENARIOS.filter((x) => scenarioIds.includes(x.id))) {
      if (Date.now() > deadline) {
        console.log(`Time budget exhausted; skipping ${s.id}`);
        continue;
      }
      console.log(`\n== ${s.title} (${s.id})`);
      const o = await runScenario(s, { runs, scale, idleCount, available, workDir, deadline, log: console.log, cpuProfDir });
      if (o.skipped) console.log(`  skipped: ${o.skipped}`);
      outcomes.push(o);
      rows.push(...rowsOf(s, o));
    }
  } finally {
    await stopAll();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
  const table = markdownTable(rows);
  const targets = targetChecks(rows);
  console.log(`\nMedian of ${runs} runs (msgs/s received unless noted):\n\n${table}\n`);
  if (targets.length) console.log(`Targets:\n${targets.map((t) => `  ${t}`).join("\n")}`);
  let profile = null;
  if (cpuProfDir) {
    const { path, profile: p } = await newestProfile(cpuProfDir);
    profile = { path, top: selfTimes(p).slice(0, 30) };
    console.log(`\nProfile ${path}, top 15 self time:\n\n${profileTable(profile.top)}`);
  }
  const out = values.out ?? `${RESULTS}${values.profile ? "profile" : "latest"}.json`;
  await Deno.mkdir(RESULTS, { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: await machine(),
    options: { runs, scale, idleCount, scenarios: scenarioIds, brokers: available },
    rows,
    targets,
    table,
    profile,
    scenarios: outcomes,
  };
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nWrote ${out}`);
  return 0;
}

if (import.meta.main) {
  const interrupt = () => {
    console.error("\nInterrupted: stopping everything the benchmark started");
    stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupt);
  Deno.addSignalListener("SIGTERM", interrupt);
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : err}`);
    await stopAll();
    Deno.exit(1);
  }
}
