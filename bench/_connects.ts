/**
 * Connections from load workers that CONNECT and then hold still: used by the idle scenario (RSS
 * per connection) and the connect-rate scenario (CONNECTs/s). Each worker prints one
 * {@linkcode IdleResult} once its clients are connected and holds them until released.
 *
 * @module
 */
import type { RunningBroker } from "./brokers.ts";
import { lines, spawn, stop } from "./_procs.ts";
import type { IdleResult, IdleSpec } from "./load/spec.ts";

const WORKER = new URL("./load/worker.ts", import.meta.url).pathname;

/** Clients one worker has connected, to release once measured. */
export interface HeldClients {
  result: IdleResult;
  /** Closes the worker's standard input: it closes its connections and exits. */
  release(): void;
  /** Resolves once the worker exited. */
  done: Promise<void>;
}

/** How many clients to connect, from how many workers, how many at a time per worker. */
export interface ConnectPlan {
  total: number;
  workers: number;
  /** CONNECTs in flight per worker. */
  concurrency: number;
  runId: string;
  /** Client N sends the user name `${usernamePrefix}${N}`; none when absent. */
  usernamePrefix?: string;
}

/** The combined figures of several workers. */
export interface ConnectTotals {
  connected: number;
  failed: number;
  firstError: string | null;
  /** Connected clients per second, first worker start to last worker done. */
  connectRate: number;
}

/** Starts the workers and waits until each one has connected its share of clients. */
export async function connectClients(b: RunningBroker, plan: ConnectPlan): Promise<HeldClients[]> {
  const { total, workers } = plan;
  const started = Array.from({ length: workers }, (_, w) => {
    const spec: IdleSpec = {
      mode: "idle",
      host: b.host,
      port: b.port,
      version: 4,
      count: Math.floor(total / workers) + (w < total % workers ? 1 : 0),
      concurrency: plan.concurrency,
      keepalive: 600,
      timeoutMs: 120_000,
      runId: `${plan.runId}-w${w}`,
      usernamePrefix: plan.usernamePrefix,
    };
    const args = ["run", "--no-prompt", "-A", WORKER, JSON.stringify(spec)];
    return spawn("idle worker", "deno", args, { stdin: "piped", stdout: "piped" });
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

/** Adds up the workers' results. */
export function totals(held: HeldClients[]): ConnectTotals {
  const rs = held.map((h) => h.result);
  const connected = rs.reduce((n, r) => n + r.connected, 0);
  const span = Math.max(...rs.map((r) => r.endedAt)) - Math.min(...rs.map((r) => r.startedAt));
  return {
    connected,
    failed: rs.reduce((n, r) => n + r.failed, 0),
    firstError: rs.find((r) => r.firstError)?.firstError ?? null,
    connectRate: span > 0 ? Math.round((connected * 1000) / span) : 0,
  };
}

/** Releases every worker's clients and waits until the workers exited. */
export async function releaseAll(held: HeldClients[]): Promise<void> {
  for (const h of held) h.release();
  await Promise.all(held.map((h) => h.done));
}

/** The hard limit on open files (`ulimit -Hn`) that brokers and workers inherit. */
export async function openFileLimit(): Promise<number> {
  const out = await new Deno.Command("sh", { args: ["-c", "ulimit -Hn"], stdout: "piped" })
    .output();
  const n = Number(new TextDecoder().decode(out.stdout).trim());
  return Number.isFinite(n) && n > 0 ? n : Infinity;
}
