/**
 * `deno task bench durable`: what durability costs. QoS 1 1->1 and 1->50 with persistent
 * subscribers (MQTT 3.1.1 Clean Session 0, so every message in flight is journaled) on Aviary with
 * `persistence.backend: memory` and `sqlite` (the default, `sync: process`), and on Mosquitto with
 * `persistence true`, interleaved in one run; then the restart of a database holding 100,000
 * sessions and 100,000 retained messages (`bench/restart.ts`). Targets: SQLite keeps >= 70% of
 * the memory backend's throughput and stays >= Mosquitto; the restart takes <= 5 s.
 *
 * ```
 * deno task bench durable [--runs 3] [--scale 1] [--only flows,restart] [--sessions 100000]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type BrokerId, type RunningBroker, startBroker } from "./brokers.ts";
import { stopAll } from "./_procs.ts";
import { flowRun, scaled, warmUpLoad } from "./_flow_run.ts";
import type { FlowResult } from "./load/spec.ts";
import { median } from "./report.ts";
import type { FlowLoad } from "./scenarios.ts";
import { restartBench, type RestartFigures } from "./restart.ts";

/** A broker setup under test. */
interface Target {
  key: "aviary-memory" | "aviary-sqlite" | "mosquitto-persist";
  broker: BrokerId;
  yaml?: string;
}

const TARGETS: Target[] = [
  { key: "aviary-memory", broker: "aviary", yaml: "persistence: {backend: memory}\n" },
  { key: "aviary-sqlite", broker: "aviary", yaml: "persistence: {backend: sqlite}\n" },
  { key: "mosquitto-persist", broker: "mosquitto" },
];

const base = { publishers: 1, inflight: 100, rate: null, payloadSize: 64, idleMs: 2000 } as const;
const FLOWS: { id: string; title: string; load: FlowLoad }[] = [
  {
    id: "durable-qos1-1to1",
    title: "QoS1 1->1 100k, persistent subscriber",
    load: { ...base, version: 4, qos: 1, subscribers: 1, messages: 100_000 },
  },
  {
    id: "durable-qos1-1to50",
    title: "QoS1 1->50 500k deliveries, persistent subscribers",
    load: { ...base, version: 4, qos: 1, subscribers: 50, messages: 10_000 },
  },
];

/** One flow's medians per target. */
interface FlowRow {
  id: string;
  title: string;
  rate: Record<string, number | null>;
  peakRssKb: Record<string, number | null>;
  lost: Record<string, number>;
}

/** Starts every target, warms each up, runs the flow on each in turn `runs` times. */
async function flowRows(runs: number, scale: number, workDir: string, log: (s: string) => void) {
  const rows: FlowRow[] = [];
  for (const f of FLOWS) {
    const load = { ...scaled(f.load, scale), persistentSubscribers: true };
    const running = new Map<string, RunningBroker>();
    const results = new Map<string, FlowResult[]>(TARGETS.map((t) => [t.key, []]));
    try {
      for (const t of TARGETS) {
        const b = await startBroker(t.broker, {
          workDir,
          aviaryExtraYaml: t.yaml,
          mosquittoPersistence: t.broker === "mosquitto",
        });
        running.set(t.key, b);
        await flowRun(b, { ...warmUpLoad(load), persistentSubscribers: true }, `w-${t.key}`);
      }
      for (let run = 1; run <= runs; run++) {
        for (const t of TARGETS) {
          const r = await flowRun(running.get(t.key)!, load, `${f.id}-${t.key}-${run}`);
          results.get(t.key)!.push(r);
          log(
            `  ${f.id} run ${run} ${t.key}: ${r.rate} msg/s, lost ${r.lost}, ` +
              `broker peak RSS ${r.brokerPeakRssKb} KiB`,
          );
        }
      }
    } finally {
      await Promise.all([...running.values()].map((b) => b.stop()));
    }
    const by = <T>(fn: (rs: FlowResult[]) => T) =>
      Object.fromEntries(TARGETS.map((t) => [t.key, fn(results.get(t.key)!)]));
    rows.push({
      id: f.id,
      title: f.title,
      rate: by((rs) => median(rs.map((r) => r.rate))),
      peakRssKb: by((rs) => median(rs.map((r) => r.brokerPeakRssKb))),
      lost: by((rs) => rs.reduce((n, r) => n + r.lost, 0)),
    });
  }
  return rows;
}

function ratio(a: number | null, b: number | null): string {
  return a !== null && b ? `${Math.round((a / b) * 100)}%` : "-";
}

function k(n: number | null): string {
  return n === null ? "-" : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n));
}

/** The flow rows as a Markdown table, with the target checks. */
function flowTable(rows: FlowRow[]): string {
  const head = "| scenario | Aviary memory | Aviary sqlite | Mosquitto persistence true | " +
    "sqlite / memory | sqlite / Mosquitto | peak RSS memory / sqlite / Mosquitto (MiB) |\n" +
    "| --- | --- | --- | --- | --- | --- | --- |";
  const body = rows.map((r) => {
    const [m, s, q] = [
      r.rate["aviary-memory"],
      r.rate["aviary-sqlite"],
      r.rate["mosquitto-persist"],
    ];
    const rss = TARGETS.map((t) => mib(r.peakRssKb[t.key])).join(" / ");
    const lost = Object.values(r.lost).some((n) => n > 0)
      ? ` (lost ${JSON.stringify(r.lost)})`
      : "";
    return `| ${r.title}${lost} | ${k(m)} | ${k(s)} | ${k(q)} | ${ratio(s, m)} | ${
      ratio(s, q)
    } | ${rss} |`;
  });
  return [head, ...body].join("\n");
}

function mib(kb: number | null | undefined): string {
  return typeof kb === "number" ? (kb / 1024).toFixed(0) : "-";
}

function checks(rows: FlowRow[], restart: RestartFigures | null): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const [m, s, q] = [
      r.rate["aviary-memory"],
      r.rate["aviary-sqlite"],
      r.rate["mosquitto-persist"],
    ];
    const kept = m && s !== null ? s / m : 0;
    out.push(
      `${kept >= 0.7 ? "PASS" : "MISS"} ${r.id}: sqlite keeps ${ratio(s, m)} of memory (>= 70%)`,
    );
    out.push(
      `${q !== null && s !== null && s >= q ? "PASS" : "MISS"} ${r.id}: sqlite ${k(s)} vs ` +
        `Mosquitto persistence true ${k(q)} (>=)`,
    );
  }
  if (restart) {
    const ok = restart.readyMs <= 5000;
    out.push(
      `${ok ? "PASS" : "MISS"} restart with ${restart.sessions} sessions and ` +
        `${restart.retained} retained: ready in ${restart.readyMs} ms (<= 5000)`,
    );
  }
  return out;
}

/** Runs the durable benchmark; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      runs: { type: "string", default: "3" },
      scale: { type: "string", default: "1" },
      only: { type: "string", default: "flows,restart" },
      sessions: { type: "string", default: "100000" },
      out: { type: "string" },
    },
  });
  const runs = Math.max(1, Math.min(9, Number(values.runs) || 3));
  const scale = Number(values.scale) > 0 ? Number(values.scale) : 1;
  const only = values.only.split(",");
  const workDir = await Deno.makeTempDir({ prefix: "aviary-durable-bench-" });
  try {
    const rows = only.includes("flows") ? await flowRows(runs, scale, workDir, console.log) : [];
    const count = Number(values.sessions) || 100_000;
    const restart = only.includes("restart")
      ? await restartBench({ sessions: count, retained: count, workDir, log: console.log })
      : null;
    if (rows.length) {
      console.log(`\nMedian of ${runs} runs (msgs/s received):\n\n${flowTable(rows)}`);
    }
    if (restart) console.log(`\nRestart: ${JSON.stringify(restart)}`);
    console.log(`\nTargets:\n${checks(rows, restart).map((c) => `  ${c}`).join("\n")}`);
    const out = values.out ?? new URL("./results/durable.json", import.meta.url).pathname;
    await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
    await Deno.writeTextFile(out, JSON.stringify({ runs, scale, rows, restart }, null, 2));
    console.log(`\nWrote ${out}`);
    return 0;
  } finally {
    await stopAll();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
