/**
 * `deno task bench`: Aviary side by side with Mosquitto and aedes on this machine.
 *
 * ```
 * deno task bench [--runs 3] [--full] [--idle N] [--only id,id] [--brokers aviary,mosquitto]
 *                 [--scale 1] [--max-minutes 45] [--install-peers] [--profile [id]] [--out file]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BROKER_LABELS, type BrokerId, BROKERS, missing, PEERS_DIR } from "./brokers.ts";
import { stopAll } from "./_procs.ts";
import { markdownTable, type Row, rowsOf, targetChecks } from "./report.ts";
import { runScenario, type ScenarioOutcome } from "./runner.ts";
import { SCENARIOS } from "./scenarios.ts";
import { allProfiles, profileArgs, profileTable, selfTimes } from "./profile.ts";
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
  --profile [ID]    profile Aviary with --cpu-prof during one scenario (default qos0-1to1) and
                    print the top 15 of each Aviary run (without and with plugins)
  --out FILE        JSON results (default bench/results/latest.json)
  --report FILE     print the table and target checks of a saved results file, run nothing

deno task bench durable [--runs 3] [--scale 1] [--only flows,restart] [--sessions 100000]
                    persistence: sqlite vs memory vs Mosquitto persistence true; restart time

deno task bench cluster [--runs 1] [--scale 1] [--only ids] [--out file]
                    two nodes over nats-server -js vs one node: cross-node 1->1, split 1->50
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

/** Prints the table and target checks of a results file written earlier. */
async function reprint(file: string): Promise<number> {
  const saved = JSON.parse(await Deno.readTextFile(file)) as {
    options: { runs: number };
    machine: Record<string, unknown>;
    scenarios: ScenarioOutcome[];
  };
  const rows = saved.scenarios.flatMap((o) => {
    const s = SCENARIOS.find((x) => x.id === o.id);
    return s ? rowsOf(s, o) : [];
  });
  printResults(rows, saved.options.runs);
  console.log(`\nMachine: ${JSON.stringify(saved.machine)}`);
  return 0;
}

function printResults(rows: Row[], runs: number): { table: string; targets: string[] } {
  const table = markdownTable(rows);
  const targets = targetChecks(rows);
  console.log(`\nMedian of ${runs} runs (msgs/s received unless noted):\n\n${table}\n`);
  if (targets.length) console.log(`Targets:\n${targets.map((t) => `  ${t}`).join("\n")}`);
  return { table, targets };
}

interface Options {
  runs: number;
  scale: number;
  idleCount: number;
  scenarioIds: string[];
  wanted: BrokerId[];
  installPeers: boolean;
  profile: boolean;
  maxMinutes: number;
  out: string | undefined;
  help: boolean;
  report: string | undefined;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args: profileArgs(args),
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
      report: { type: "string" },
      profile: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const profile = values.profile;
  return {
    runs: Math.max(1, Math.min(9, Number(values.runs) || 3)),
    scale: Number(values.scale) > 0 ? Number(values.scale) : 1,
    idleCount: Number(values.idle) || (values.full ? 20_000 : 2_000),
    scenarioIds: list(profile ?? values.only, SCENARIOS.map((s) => s.id), "scenario"),
    wanted: profile ? ["aviary"] : list(values.brokers, BROKERS, "broker"),
    installPeers: values["install-peers"],
    profile: profile !== undefined,
    maxMinutes: Number(values["max-minutes"]) > 0 ? Number(values["max-minutes"]) : 45,
    out: values.out,
    help: values.help,
    report: values.report,
  };
}

type Save = (outcomes: ScenarioOutcome[], rows: Row[]) => Promise<void>;

async function runAll(opts: Options, available: BrokerId[], save: Save, cpuProfDir?: string) {
  const workDir = await Deno.makeTempDir({ prefix: "aviary-bench-" });
  const deadline = Date.now() + opts.maxMinutes * 60_000;
  const outcomes: ScenarioOutcome[] = [];
  const rows: Row[] = [];
  const { runs, scale, idleCount } = opts;
  try {
    for (const s of SCENARIOS.filter((x) => opts.scenarioIds.includes(x.id))) {
      if (Date.now() > deadline) {
        console.log(`Time budget exhausted; skipping ${s.id}`);
        continue;
      }
      console.log(`\n== ${s.title} (${s.id})`);
      const run = { runs, scale, idleCount, available, workDir, deadline, cpuProfDir };
      const o = await runScenario(s, { ...run, log: console.log });
      if (o.skipped) console.log(`  skipped: ${o.skipped}`);
      outcomes.push(o);
      rows.push(...rowsOf(s, o));
      await save(outcomes, rows);
    }
  } finally {
    await stopAll();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
  return { outcomes, rows };
}

async function main(args: string[]): Promise<number> {
  if (args[0] === "durable") return await (await import("./durable.ts")).main(args.slice(1));
  if (args[0] === "cluster") return await (await import("./cluster.ts")).main(args.slice(1));
  const opts = parseOptions(args);
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  if (opts.report) return await reprint(opts.report);
  if (opts.installPeers) await installPeers();
  const available = await availableBrokers(opts.wanted);
  const cpuProfDir = opts.profile ? `${RESULTS}profile` : undefined;
  if (cpuProfDir) {
    await Deno.remove(cpuProfDir, { recursive: true }).catch(() => {});
    await Deno.mkdir(cpuProfDir, { recursive: true });
  }
  const startedAt = new Date().toISOString();
  const out = opts.out ?? `${RESULTS}${opts.profile ? "profile" : "latest"}.json`;
  const { runs, scale, idleCount, scenarioIds } = opts;
  const save = async (scenarios: ScenarioOutcome[], rows: Row[], profile: unknown = null) => {
    await Deno.mkdir(RESULTS, { recursive: true });
    const report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: await machine(),
      options: { runs, scale, idleCount, scenarios: scenarioIds, brokers: available },
      rows,
      targets: targetChecks(rows),
      table: markdownTable(rows),
      profile,
      scenarios,
    };
    await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  };
  const { outcomes, rows } = await runAll(opts, available, save, cpuProfDir);
  printResults(rows, opts.runs);
  let profile = null;
  if (cpuProfDir) {
    profile = (await allProfiles(cpuProfDir)).map(({ path, profile: p, plugins }) => {
      const top = selfTimes(p).slice(0, 30);
      console.log(`\nProfile ${path} (${plugins ? "with" : "without"} plugins), top 15 self time:`);
      console.log(`\n${profileTable(top)}`);
      return { path, plugins, top };
    });
  }
  await save(outcomes, rows, profile);
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
