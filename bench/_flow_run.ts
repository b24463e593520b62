/**
 * One flow run: a load worker process (`bench/load/worker.ts`) applies a flow load to a running
 * broker and answers with its figures.
 *
 * @module
 */
import type { RunningBroker } from "./brokers.ts";
import { lines, spawn, stop } from "./_procs.ts";
import type { FlowResult, FlowSpec, RetainedSpec } from "./load/spec.ts";
import type { FlowLoad } from "./scenarios.ts";

const WORKER = new URL("./load/worker.ts", import.meta.url).pathname;
const MAX_FLOW_MS = 120_000;
const SETUP_MS_PER_CLIENT = 5;

/** `load` with its message count scaled (100 at the least). */
export function scaled(load: FlowLoad, scale: number): FlowLoad {
  return { ...load, messages: Math.max(100, Math.round(load.messages * scale)) };
}

/** A short unpaced run of `load` (a tenth of its messages) that warms a broker up. */
export function warmUpLoad(load: FlowLoad): FlowLoad {
  return { ...load, rate: null, messages: Math.max(100, Math.round(load.messages / 10)) };
}

/** `runId` as a client id and topic part: other characters than letters, digits and `-` become `_`. */
export function safeId(runId: string): string {
  return runId.replace(/[^A-Za-z0-9-]/g, "_");
}

/**
 * Runs one flow in a load worker process against `b`; `retained` runs the retained flow
 * (`bench/load/retained.ts`) with the same load. The worker is killed if it outlives its time
 * limit (twice for retained: storing, then delivering) plus 20 s plus 5 ms per client to set up.
 */
export async function flowRun(
  b: RunningBroker,
  load: FlowLoad,
  runId: string,
  mode: "flow" | "retained" = "flow",
): Promise<FlowResult> {
  const paced = load.rate === null ? 0 : (load.messages / load.rate) * 1000;
  const spec: FlowSpec | RetainedSpec = {
    ...load,
    mode,
    host: b.host,
    port: b.port,
    brokerPid: b.pid,
    runId: safeId(runId),
    timeoutMs: Math.min(MAX_FLOW_MS, 30_000 + paced * 2),
  };
  const args = ["run", "--no-prompt", "-A", WORKER, JSON.stringify(spec)];
  const child = spawn("load worker", "deno", args, { stdout: "piped" });
  const limit = spec.timeoutMs * (mode === "retained" ? 2 : 1) + 20_000 +
    (load.publishers + load.subscribers) * SETUP_MS_PER_CLIENT;
  const timer = setTimeout(() => stop(child, "SIGKILL", 0), limit);
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
