/**
 * Runs scenarios: starts the brokers, warms them up, applies the same load to each one in turn
 * (A, M, a, A, M, a, ...) for N runs, and stops them. Load runs in separate worker processes.
 *
 * @module
 */
import { type BrokerId, type RunningBroker, SPEAKS_V5, startBroker } from "./brokers.ts";
import { lines, spawn, stop } from "./_procs.ts";
import type { FlowResult, FlowSpec, IdleResult, IdleSpec } from "./load/spec.ts";
import { rssKb } from "./load/procstat.ts";
import { audienceOf, type FlowLoad, pluginExtraYaml, type Scenario } from "./scenarios.ts";

/** What the runner needs to know. */
export interface RunOptions {
  runs: number;
  /** Multiplies message counts (development runs use e.g. 0.05). */
  scale: number;
  idleCount: number;
  available: BrokerId[];
  workDir: string;
  /** Epoch ms after which no new run starts. */
  deadline: number;
  log: (line: string) => void;
  /** Set to profile Aviary (`--cpu-prof` into this directory). */
  cpuProfDir?: string;
}

/** Idle scenario figures for one run. */
export interface IdleMeasurement {
  mode: "idle";
  connected: number;
  failed: number;
  firstError: string | null;
  connectRate: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  rssPerConnKb: number;
}

/** One run against one target. */
export interface Measurement {
  /** A broker id, or `aviary+plugins`. */
  target: string;
  run: number;
  result: FlowResult | IdleMeasurement | null;
  error?: string;
}

/** A scenario's outcome. */
export interface ScenarioOutcome {
  id: string;
  title: string;
  targets: string[];
  skipped?: string;
  measurements: Measurement[];
}

interface Target {
  key: string;
  broker: BrokerId;
  extraYaml?: string;
}

const WORKER = new URL("./load/worker.ts", import.meta.url).pathname;
const MAX_FLOW_MS = 120_000;
const IDLE_PER_WORKER = 10_000;

/** Runs one scenario to completion (or until the deadline) and returns its measurements. */
export async function runScenario(s: Scenario, opts: RunOptions): Promise<ScenarioOutcome> {
  const targets = await targetsOf(s, opts);
  const outcome: ScenarioOutcome = { id: s.id, title: s.title, targets: [], measurements: [] };
  if (typeof targets === "string") return { ...outcome, skipped: targets };
  outcome.targets = targets.map((t) => t.key);
  if (s.kind === "idle") {
    const limit = await openFileLimit();
    if (opts.idleCount > limit - 500) {
      opts.log(
        `  the hard open-file limit here is ${limit}: using ${limit - 500} idle connections`,
      );
      opts = { ...opts, idleCount: limit - 500 };
    }
    for (let run = 1; run <= opts.runs && Date.now() < opts.deadline; run++) {
      for (const t of targets) outcome.measurements.push(await idleRun(t, run, opts));
    }
    return outcome;
  }
  const load = scaled(s.load!, opts.scale);
  const running = new Map<string, RunningBroker>();
  try {
    for (const t of targets) {
      const b = await ensure(t, running, opts);
      if (b) await flowRun(b, warmUp(load), "warm-up").catch(() => {});
    }
    for (let run = 1; run <= opts.runs && Date.now() < opts.deadline; run++) {
      for (const t of targets) {
        const b = await ensure(t, running, opts);
        const m: Measurement = { target: t.key, run, result: null };
        if (!b) m.error = `${t.key} could not be started`;
        else {
          try {
            m.result = await flowRun(b, load, `${s.id}-${t.key}-${run}`);
          } catch (err) {
            m.error = err instanceof Error ? err.message : String(err);
          }
        }
        opts.log(describe(s, m));
        outcome.measurements.push(m);
      }
    }
  } finally {
    await Promise.all([...running.values()].map((b) => b.stop()));
  }
  return outcome;
}

/** The hard limit on open files (`ulimit -Hn`) that brokers and workers inherit. */
async function openFileLimit(): Promise<number> {
  const out = await new Deno.Command("sh", { args: ["-c", "ulimit -Hn"], stdout: "piped" })
    .output();
  const n = Number(new TextDecoder().decode(out.stdout).trim());
  return Number.isFinite(n) && n > 0 ? n : Infinity;
}

async function targetsOf(s: Scenario, opts: RunOptions): Promise<Target[] | string> {
  const brokers = audienceOf(s, opts.available, SPEAKS_V5);
  if (brokers.length === 0) return "none of its brokers is available";
  if (s.kind !== "plugins") return brokers.map((b) => ({ key: b, broker: b }));
  try {
    await Deno.stat(new URL("./plugins/transform.ts", import.meta.url));
  } catch {
    return "plugin scenarios need the plugin host";
  }
  return [
    { key: "aviary", broker: "aviary" },
    { key: "aviary+plugins", broker: "aviary", extraYaml: pluginExtraYaml() },
  ];
}

/** Returns the target's broker, (re)starting it if it is not running; null if it cannot start. */
async function ensure(t: Target, running: Map<string, RunningBroker>, opts: RunOptions) {
  const have = running.get(t.key);
  if (have && (await exitedYet(have)) === null) return have;
  if (have) {
    opts.log(`  ${t.key} exited (${have.child.stderrTail().trim().slice(-300)}); restarting`);
  }
  try {
    const b = await startBroker(t.broker, {
      workDir: opts.workDir,
      aviaryExtraYaml: t.extraYaml,
      cpuProfDir: t.broker === "aviary" ? opts.cpuProfDir : undefined,
    });
    running.set(t.key, b);
    return b;
  } catch (err) {
    running.delete(t.key);
    opts.log(`  ${t.key} failed to start: ${err instanceof Error ? err.message : err}`);
    return null;
  }
}

function exitedYet(b: RunningBroker): Promise<number | null> {
  return Promise.race([b.child.exited, new Promise<null>((r) => setTimeout(() => r(null), 0))]);
}

function scaled(load: FlowLoad, scale: number): FlowLoad {
  return { ...load, messages: Math.max(100, Math.round(load.messages * scale)) };
}

function warmUp(load: FlowLoad): FlowLoad {
  return { ...load, rate: null, messages: Math.max(100, Math.round(load.messages / 10)) };
}

/** Runs one flow in a load worker process against `b`. */
async function flowRun(b: RunningBroker, load: FlowLoad, runId: string): Promise<FlowResult> {
  const paced = load.rate === null ? 0 : (load.messages / load.rate) * 1000;
  const spec: FlowSpec = {
    ...load,
    mode: "flow",
    host: b.host,
    port: b.port,
    brokerPid: b.pid,
    runId: runId.replace(/[^A-Za-z0-9-]/g, "_"),
    timeoutMs: Math.min(MAX_FLOW_MS, 30_000 + paced * 2),
  };
  const child = spawn("load worker", "deno", [
    "run",
    "--no-prompt",
    "-A",
    WORKER,
    JSON.stringify(spec),
  ], {
    stdout: "piped",
  });
  const timer = setTimeout(() => stop(child, "SIGKILL", 0), spec.timeoutMs + 20_000);
  try {
    let last = "";
    for await (const line of lines(child.process.stdout)) if (line.trim()) last = line;
    const code = await child.exited;
    if (code !== 0 || !last.startsWith("{")) {
      throw new Error(
        `load worker failed (exit ${code}): ${child.stderrTail().trim().slice(-400)}`,
      );
    }
    return JSON.parse(last) as FlowResult;
  } finally {
    clearTimeout(timer);
  }
}

/** One idle run on a fresh broker: RSS before, N idle clients from a few workers, RSS after. */
async function idleRun(t: Target, run: number, opts: RunOptions): Promise<Measurement> {
  const m: Measurement = { target: t.key, run, result: null };
  let b: RunningBroker | null = null;
  try {
    b = await startBroker(t.broker, { workDir: opts.workDir, aviaryExtraYaml: t.extraYaml });
    await new Promise((r) => setTimeout(r, 500));
    const before = rssKb(b.pid) ?? 0;
    const workers = Math.ceil(opts.idleCount / IDLE_PER_WORKER);
    const results = await idleWorkers(b, workers, opts.idleCount, `idle-${t.key}-${run}`);
    const connected = results.reduce((n, r) => n + r.result.connected, 0);
    const span = Math.max(...results.map((r) => r.result.endedAt)) -
      Math.min(...results.map((r) => r.result.startedAt));
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssKb(b.pid) ?? 0;
    for (const r of results) r.release();
    await Promise.all(results.map((r) => r.done));
    m.result = {
      mode: "idle",
      connected,
      failed: results.reduce((n, r) => n + r.result.failed, 0),
      firstError: results.find((r) => r.result.firstError)?.result.firstError ?? null,
      connectRate: Math.round((connected * 1000) / span),
      rssBeforeKb: before,
      rssAfterKb: after,
      rssPerConnKb: connected > 0 ? Math.round(((after - before) / connected) * 100) / 100 : 0,
    };
  } catch (err) {
    m.error = err instanceof Error ? err.message : String(err);
  } finally {
    await b?.stop();
  }
  opts.log(describeIdle(m));
  return m;
}

async function idleWorkers(b: RunningBroker, workers: number, total: number, runId: string) {
  const started = Array.from({ length: workers }, (_, w) => {
    const count = Math.floor(total / workers) + (w < total % workers ? 1 : 0);
    const spec: IdleSpec = {
      mode: "idle",
      host: b.host,
      port: b.port,
      version: 4,
      count,
      concurrency: 50,
      keepalive: 600,
      timeoutMs: 120_000,
      runId: `${runId}-w${w}`,
    };
    return spawn(
      "idle worker",
      "deno",
      ["run", "--no-prompt", "-A", WORKER, JSON.stringify(spec)],
      {
        stdin: "piped",
        stdout: "piped",
      },
    );
  });
  return await Promise.all(started.map(async (child) => {
    const reader = lines(child.process.stdout);
    const first = await reader.next();
    if (first.done || !first.value.startsWith("{")) {
      await stop(child, "SIGKILL", 0);
      throw new Error(`idle worker failed: ${child.stderrTail().trim().slice(-400)}`);
    }
    return {
      result: JSON.parse(first.value) as IdleResult,
      release: () => child.process.stdin.close().catch(() => {}),
      done: (async () => {
        for await (const _ of reader) { /* drain */ }
        await child.exited;
      })(),
    };
  }));
}

function describe(s: Scenario, m: Measurement): string {
  const head = `  ${s.id} run ${m.run} ${m.target}:`;
  if (!m.result || m.result.mode !== "flow") return `${head} error: ${m.error}`;
  const r = m.result;
  const loss = r.lost > 0 ? ` lost ${r.lost}` : "";
  return `${head} ${r.rate} msg/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms${loss}` +
    (r.duplicates ? ` dup ${r.duplicates}` : "") + (r.outOfOrder ? ` ooo ${r.outOfOrder}` : "") +
    `, broker CPU ${r.brokerCpuMs} ms`;
}

function describeIdle(m: Measurement): string {
  const head = `  idle run ${m.run} ${m.target}:`;
  if (!m.result || m.result.mode !== "idle") return `${head} error: ${m.error}`;
  const r = m.result;
  return `${head} ${r.connected} connected (${r.failed} failed) at ${r.connectRate}/s, ` +
    `RSS ${r.rssBeforeKb} -> ${r.rssAfterKb} KiB, ${r.rssPerConnKb} KiB/conn` +
    (r.firstError ? ` (first error: ${r.firstError})` : "");
}
