/**
 * `deno task bench cluster`: what crossing nodes costs. One `nats-server -js`, two Aviary nodes
 * in a cluster (A and B) and one Aviary alone, all on this machine; interleaved runs of
 * - QoS 0 and QoS 1 1->1 with the publisher on A and the subscriber on B, against the single
 *   node (target: the cluster keeps >= 50%);
 * - 1->50 fan-out with the subscribers split over A and B and the publisher on A, against the
 *   single node with all 50.
 *
 * ```
 * deno task bench cluster [--runs 1] [--scale 1] [--only cluster-qos0-1to1,...] [--out file]
 *                         [--profile dir]   (V8 CPU profiles of the three Aviary processes)
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type RunningBroker, startBroker } from "./brokers.ts";
import { type Child, freePort, lines, spawn, stop, stopAll, waitForPort } from "./_procs.ts";
import { safeId, scaled, warmUpLoad } from "./_flow_run.ts";
import type { ClusterFlowSpec } from "./cluster_flow.ts";
import type { FlowResult } from "./load/spec.ts";
import { median } from "./report.ts";
import type { FlowLoad } from "./scenarios.ts";

const WORKER = new URL("./cluster_flow.ts", import.meta.url).pathname;
const RESULTS = new URL("./results/", import.meta.url).pathname;
const NATS = "/usr/sbin/nats-server";
const HOST = "127.0.0.1";

const base = { publishers: 1, inflight: 100, rate: null, payloadSize: 64, idleMs: 2000 } as const;

/** One row: a load run on the single node and across the cluster. */
interface ClusterFlow {
  id: string;
  title: string;
  load: FlowLoad;
  /** `cross`: subscribers on B only; `split`: subscribers alternate between A and B. */
  spread: "cross" | "split";
  /** The share of the single node's figure the cluster must keep (0 = no target). */
  keepAtLeast: number;
}

const FLOWS: ClusterFlow[] = [
  {
    id: "cluster-qos0-1to1",
    title: "QoS0 1->1 100k, publisher on A, subscriber on B",
    load: { ...base, version: 4, qos: 0, subscribers: 1, messages: 100_000 },
    spread: "cross",
    keepAtLeast: 0.5,
  },
  {
    id: "cluster-qos1-1to1",
    title: "QoS1 1->1 100k, 100 in flight, publisher on A, subscriber on B",
    load: { ...base, version: 4, qos: 1, subscribers: 1, messages: 100_000 },
    spread: "cross",
    keepAtLeast: 0.5,
  },
  {
    id: "cluster-qos0-1to50",
    title: "QoS0 1->50 1M deliveries, subscribers split over A and B",
    load: { ...base, version: 4, qos: 0, subscribers: 50, messages: 20_000 },
    spread: "split",
    keepAtLeast: 0,
  },
  {
    id: "cluster-qos1-1to50",
    title: "QoS1 1->50 500k deliveries, subscribers split over A and B",
    load: { ...base, version: 4, qos: 1, subscribers: 50, messages: 10_000 },
    spread: "split",
    keepAtLeast: 0,
  },
];

/** The brokers under test. */
interface Setup {
  single: RunningBroker;
  a: RunningBroker;
  b: RunningBroker;
}

/** One row's medians and error counts. */
export interface ClusterRow {
  id: string;
  title: string;
  single: number | null;
  cluster: number | null;
  keepAtLeast: number;
  /** Summed over the runs: lost, duplicated, out of order; single node / cluster. */
  faults: { single: Faults; cluster: Faults };
}

interface Faults {
  lost: number;
  duplicates: number;
  outOfOrder: number;
}

/** Starts nats-server -js in `dir` on a free port. */
async function startNats(dir: string): Promise<{ child: Child; url: string }> {
  const port = freePort(HOST);
  const child = spawn("nats-server", NATS, ["-js", "-sd", dir, "-a", HOST, "-p", String(port)]);
  await waitForPort(HOST, port, child);
  return { child, url: `nats://${HOST}:${port}` };
}

function clusterYaml(node: string, url: string): string {
  return `cluster: {enable: true, node: ${node}, subject_prefix: bench, ` +
    `nats: {servers: ["${url}"]}}\n`;
}

/** Runs one flow in a cluster load worker process. */
async function clusterRun(
  pub: RunningBroker,
  subs: RunningBroker[],
  load: FlowLoad,
  runId: string,
): Promise<FlowResult> {
  const spec: ClusterFlowSpec = {
    ...load,
    mode: "flow",
    host: HOST,
    port: pub.port,
    subscriberPorts: subs.map((s) => s.port),
    brokerPid: null,
    brokerPids: [...new Set([pub, ...subs])].map((b) => b.pid),
    settleMs: subs.some((s) => s !== pub) ? 300 : 0,
    runId: safeId(runId),
    timeoutMs: 120_000,
  };
  const child = spawn("cluster load worker", "deno", [
    "run",
    "--no-prompt",
    "-A",
    WORKER,
    JSON.stringify(spec),
  ], { stdout: "piped" });
  const timer = setTimeout(() => stop(child, "SIGKILL", 0), spec.timeoutMs + 30_000);
  try {
    let last = "";
    for await (const line of lines(child.process.stdout)) if (line.trim()) last = line;
    const code = await child.exited;
    if (code !== 0 || !last.startsWith("{")) {
      throw new Error(
        `cluster load worker failed (exit ${code}): ${child.stderrTail().slice(-400)}`,
      );
    }
    return JSON.parse(last) as FlowResult;
  } finally {
    clearTimeout(timer);
  }
}

/** Where a flow's clients go: single node, or the cluster. */
function placements(s: Setup, f: ClusterFlow) {
  return {
    single: { pub: s.single, subs: [s.single] },
    cluster: { pub: s.a, subs: f.spread === "cross" ? [s.b] : [s.a, s.b] },
  };
}

function faults(rs: FlowResult[]): Faults {
  const sum = (k: keyof Faults) => rs.reduce((n, r) => n + r[k], 0);
  return { lost: sum("lost"), duplicates: sum("duplicates"), outOfOrder: sum("outOfOrder") };
}

/** Warms each placement up, then runs them in turn `runs` times. */
async function flowRow(s: Setup, f: ClusterFlow, runs: number, scale: number, log: Log) {
  const load = scaled(f.load, scale);
  const where = placements(s, f);
  const results = { single: [] as FlowResult[], cluster: [] as FlowResult[] };
  for (const k of ["single", "cluster"] as const) {
    await clusterRun(where[k].pub, where[k].subs, warmUpLoad(load), `w-${f.id}-${k}`);
  }
  for (let run = 1; run <= runs; run++) {
    for (const k of ["single", "cluster"] as const) {
      const r = await clusterRun(where[k].pub, where[k].subs, load, `${f.id}-${k}-${run}`);
      results[k].push(r);
      log(
        `  ${f.id} run ${run} ${k}: ${r.rate} msg/s, lost ${r.lost}, dup ${r.duplicates}, ` +
          `out of order ${r.outOfOrder}, brokers CPU ${r.brokerCpuMs} ms`,
      );
    }
  }
  const row: ClusterRow = {
    id: f.id,
    title: f.title,
    single: median(results.single.map((r) => r.rate)),
    cluster: median(results.cluster.map((r) => r.rate)),
    keepAtLeast: f.keepAtLeast,
    faults: { single: faults(results.single), cluster: faults(results.cluster) },
  };
  return { row, results };
}

type Log = (line: string) => void;

function k(n: number | null): string {
  return n === null ? "-" : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n));
}

function share(a: number | null, b: number | null): string {
  return a !== null && b ? `${Math.round((a / b) * 100)}%` : "-";
}

/**
 * The rows as a Markdown table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clusterTable } from "./cluster.ts";
 * const f = { lost: 0, duplicates: 0, outOfOrder: 0 };
 * const row = { id: "x", title: "X", single: 1000, cluster: 600, keepAtLeast: 0.5, faults: { single: f, cluster: f } };
 * assert.match(clusterTable([row]), /\| X \| 1\.0k \| 600 \| 60% \| 0 \/ 0 \/ 0 \|/);
 * ```
 */
export function clusterTable(rows: ClusterRow[]): string {
  const head =
    "| scenario | one node | two nodes | two / one | cluster lost / dup / reordered |\n" +
    "| --- | --- | --- | --- | --- |";
  const body = rows.map((r) => {
    const c = r.faults.cluster;
    return `| ${r.title} | ${k(r.single)} | ${k(r.cluster)} | ${share(r.cluster, r.single)} | ` +
      `${c.lost} / ${c.duplicates} / ${c.outOfOrder} |`;
  });
  return [head, ...body].join("\n");
}

/** PASS / MISS lines for the rows with a target. */
export function clusterChecks(rows: ClusterRow[]): string[] {
  return rows.filter((r) => r.keepAtLeast > 0).map((r) => {
    const kept = r.single && r.cluster !== null ? r.cluster / r.single : 0;
    const clean = Object.values(r.faults.cluster).every((n) => n === 0);
    return `${kept >= r.keepAtLeast && clean ? "PASS" : "MISS"} ${r.id}: the cluster keeps ` +
      `${share(r.cluster, r.single)} of one node (>= ${r.keepAtLeast * 100}%, nothing lost)`;
  });
}

/** Starts NATS, the single node and the two cluster nodes (`cpuProfDir`: profile all three). */
async function startSetup(workDir: string, cpuProfDir?: string): Promise<Setup> {
  const natsDir = await Deno.makeTempDir({ dir: workDir, prefix: "nats-" });
  const nats = await startNats(natsDir);
  const single = await startBroker("aviary", { workDir, cpuProfDir });
  const node = (name: string) =>
    startBroker("aviary", { workDir, cpuProfDir, aviaryExtraYaml: clusterYaml(name, nats.url) });
  return { single, a: await node("a"), b: await node("b") };
}

/** `deno task bench cluster ...`: returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      runs: { type: "string", default: "1" },
      scale: { type: "string", default: "1" },
      only: { type: "string" },
      out: { type: "string" },
      profile: { type: "string" },
    },
  });
  const runs = Math.max(1, Math.min(9, Number(values.runs) || 1));
  const scale = Number(values.scale) > 0 ? Number(values.scale) : 1;
  const only = values.only?.split(",").map((s) => s.trim()) ?? FLOWS.map((f) => f.id);
  const unknown = only.filter((id) => !FLOWS.some((f) => f.id === id));
  if (unknown.length) throw new RangeError(`Unknown cluster scenario: ${unknown.join(", ")}`);
  const workDir = await Deno.makeTempDir({ prefix: "aviary-bench-cluster-" });
  const rows: ClusterRow[] = [];
  const raw: Record<string, unknown> = {};
  try {
    const setup = await startSetup(workDir, values.profile);
    for (const f of FLOWS.filter((x) => only.includes(x.id))) {
      console.log(`\n== ${f.title} (${f.id})`);
      const { row, results } = await flowRow(setup, f, runs, scale, console.log);
      rows.push(row);
      raw[f.id] = results;
    }
  } finally {
    await stopAll();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
  const table = clusterTable(rows);
  const targets = clusterChecks(rows);
  console.log(`\nMedian of ${runs} runs (msgs/s received):\n\n${table}\n`);
  if (targets.length) console.log(`Targets:\n${targets.map((t) => `  ${t}`).join("\n")}`);
  const out = values.out ?? `${RESULTS}cluster.json`;
  await Deno.mkdir(RESULTS, { recursive: true });
  const report = { at: new Date().toISOString(), runs, scale, rows, table, targets, raw };
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nWrote ${out}`);
  return 0;
}
