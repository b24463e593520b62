/**
 * Runs scenarios: starts the brokers, warms them up, applies the same load to each one in turn
 * (A, M, a, A, M, a, ...) for N runs, and stops them. Load runs in separate worker processes.
 *
 * @module
 */
import { type BrokerId, type RunningBroker, SPEAKS_V5, startBroker } from "./brokers.ts";
import {
  connectClients,
  type ConnectTotals,
  openFileLimit,
  releaseAll,
  totals,
} from "./_connects.ts";
import type { FlowResult } from "./load/spec.ts";
import { flowRun, safeId, scaled, warmUpLoad } from "./_flow_run.ts";
import { rssKb } from "./load/procstat.ts";
import { audienceOf, type ConnectLoad, type Scenario } from "./scenarios.ts";

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

/** Connect scenario figures for one run. */
export interface ConnectMeasurement extends ConnectTotals {
  mode: "connect";
}

/** Idle scenario figures for one run. */
export interface IdleMeasurement extends ConnectTotals {
  mode: "idle";
  rssBeforeKb: number;
  rssAfterKb: number;
  rssPerConnKb: number;
}

/** One run against one target. */
export interface Measurement {
  /** A broker id, or `aviary+plugins` (Aviary with the scenario's plugin fixture). */
  target: string;
  run: number;
  result: FlowResult | IdleMeasurement | ConnectMeasurement | null;
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

/** Measures one target once; `warmUp` asks for a short unrecorded run. */
type Measure = (
  b: RunningBroker,
  runId: string,
  warmUp: boolean,
) => Promise<NonNullable<Measurement["result"]>>;

const IDLE_PER_WORKER = 10_000;

/** Runs one scenario to completion (or until the deadline) and returns its measurements. */
export async function runScenario(s: Scenario, opts: RunOptions): Promise<ScenarioOutcome> {
  const targets = await targetsOf(s, opts);
  const outcome: ScenarioOutcome = { id: s.id, title: s.title, targets: [], measurements: [] };
  if (typeof targets === "string") return { ...outcome, skipped: targets };
  outcome.targets = targets.map((t) => t.key);
  if (s.kind === "idle") {
    outcome.measurements = await idleRuns(targets, opts);
    return outcome;
  }
  let measure: Measure;
  if (s.kind === "connect") {
    const load = s.connect!;
    const warm = { ...load, clients: Math.max(50, Math.round(load.clients / 10)) };
    measure = (b, runId, warmUp) => connectRun(b, warmUp ? warm : load, runId);
  } else {
    const load = scaled(s.load!, opts.scale);
    const mode = s.kind === "retained" ? "retained" : "flow";
    measure = (b, runId, warmUp) => flowRun(b, warmUp ? warmUpLoad(load) : load, runId, mode);
  }
  outcome.measurements = await interleaved(s, targets, opts, measure);
  return outcome;
}

/**
 * Starts every target, warms each one up once, then measures them in turn (A, M, a, A, ...) for
 * `opts.runs` rounds, restarting a target that exited; stops them all at the end. A retained
 * scenario needs an empty broker: no warm-up, and each target is stopped after each run.
 */
async function interleaved(
  s: Scenario,
  targets: Target[],
  opts: RunOptions,
  measure: Measure,
): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  const running = new Map<string, RunningBroker>();
  try {
    const fresh = s.kind === "retained";
    for (const t of fresh ? [] : targets) {
      const b = await ensure(t, running, opts);
      if (b) await measure(b, `warm-up-${t.key}`, true).catch(() => {});
    }
    for (let run = 1; run <= opts.runs && Date.now() < opts.deadline; run++) {
      for (const t of targets) {
        const b = await ensure(t, running, opts);
        const m: Measurement = { target: t.key, run, result: null };
        if (!b) m.error = `${t.key} could not be started`;
        else {
          try {
            m.result = await measure(b, `${s.id}-${t.key}-${run}`, false);
          } catch (err) {
            m.error = err instanceof Error ? err.message : String(err);
          }
        }
        opts.log(describe(s, m));
        measurements.push(m);
        if (fresh) await b?.stop().finally(() => running.delete(t.key));
      }
    }
  } finally {
    await Promise.all([...running.values()].map((b) => b.stop()));
  }
  return measurements;
}

async function targetsOf(s: Scenario, opts: RunOptions): Promise<Target[] | string> {
  const brokers = audienceOf(s, opts.available, SPEAKS_V5);
  if (brokers.length === 0) return "none of its brokers is available";
  if (!s.plugin) {
    return brokers.map((b) => ({
      key: b,
      broker: b,
      extraYaml: b === "aviary" ? s.aviaryYaml : "",
    }));
  }
  try {
    await Deno.stat(s.plugin.file);
  } catch {
    return `its fixture ${s.plugin.file} is missing`;
  }
  return [
    { key: "aviary", broker: "aviary" },
    { key: "aviary+plugins", broker: "aviary", extraYaml: s.plugin.yaml },
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

/** One connect-rate run: `load.clients` CONNECTs from one worker, then all released. */
async function connectRun(
  b: RunningBroker,
  load: ConnectLoad,
  runId: string,
): Promise<ConnectMeasurement> {
  const held = await connectClients(b, {
    total: load.clients,
    workers: 1,
    concurrency: load.concurrency,
    runId: safeId(runId),
    usernamePrefix: load.usernamePrefix,
  });
  await releaseAll(held);
  // Let the broker finish the disconnects before the next target's run shares the CPUs.
  await new Promise((r) => setTimeout(r, 500));
  return { mode: "connect", ...totals(held) };
}

/** The idle runs, capped at the open-file limit; a fresh broker per run. */
async function idleRuns(targets: Target[], opts: RunOptions): Promise<Measurement[]> {
  const limit = await openFileLimit();
  if (opts.idleCount > limit - 500) {
    opts.log(`  the hard open-file limit here is ${limit}: using ${limit - 500} idle connections`);
    opts = { ...opts, idleCount: limit - 500 };
  }
  const measurements: Measurement[] = [];
  for (let run = 1; run <= opts.runs && Date.now() < opts.deadline; run++) {
    for (const t of targets) measurements.push(await idleRun(t, run, opts));
  }
  return measurements;
}

/** One idle run on a fresh broker: RSS before, N idle clients from a few workers, RSS after. */
async function idleRun(t: Target, run: number, opts: RunOptions): Promise<Measurement> {
  const m: Measurement = { target: t.key, run, result: null };
  let b: RunningBroker | null = null;
  try {
    b = await startBroker(t.broker, { workDir: opts.workDir, aviaryExtraYaml: t.extraYaml });
    await new Promise((r) => setTimeout(r, 500));
    const before = rssKb(b.pid) ?? 0;
    const held = await connectClients(b, {
      total: opts.idleCount,
      workers: Math.ceil(opts.idleCount / IDLE_PER_WORKER),
      concurrency: 50,
      runId: safeId(`idle-${t.key}-${run}`),
    });
    const sum = totals(held);
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssKb(b.pid) ?? 0;
    await releaseAll(held);
    const perConn = sum.connected > 0 ? (after - before) / sum.connected : 0;
    m.result = {
      mode: "idle",
      ...sum,
      rssBeforeKb: before,
      rssAfterKb: after,
      rssPerConnKb: Math.round(perConn * 100) / 100,
    };
  } catch (err) {
    m.error = err instanceof Error ? err.message : String(err);
  } finally {
    await b?.stop();
  }
  opts.log(describe({ id: "idle" }, m));
  return m;
}

function describe(s: Pick<Scenario, "id">, m: Measurement): string {
  const head = `  ${s.id} run ${m.run} ${m.target}:`;
  const r = m.result;
  if (!r) return `${head} error: ${m.error}`;
  if (r.mode === "flow") {
    const loss = r.lost > 0 ? ` lost ${r.lost}` : "";
    return `${head} ${r.rate} msg/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms${loss}` +
      (r.duplicates ? ` dup ${r.duplicates}` : "") + (r.outOfOrder ? ` ooo ${r.outOfOrder}` : "") +
      `, broker CPU ${r.brokerCpuMs} ms` + (r.retained ? storeNote(r.retained) : "");
  }
  const rss = r.mode === "idle"
    ? `, RSS ${r.rssBeforeKb} -> ${r.rssAfterKb} KiB, ${r.rssPerConnKb} KiB/conn`
    : "";
  return `${head} ${r.connected} connected (${r.failed} failed) at ${r.connectRate}/s${rss}` +
    (r.firstError ? ` (first error: ${r.firstError})` : "");
}

function storeNote(r: NonNullable<FlowResult["retained"]>): string {
  return `; stored ${r.stored} in ${r.storeMs} ms, broker RSS ${r.rssBeforeKb} -> ` +
    `${r.rssStoredKb} -> peak ${r.rssPeakKb} KiB`;
}
