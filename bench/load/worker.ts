/**
 * Load worker entry point: `deno run --allow-net=127.0.0.1 --allow-read=/proc bench/load/worker.ts '<spec JSON>'`.
 *
 * A flow or a retained run prints its {@linkcode FlowResult} as one JSON line and exits. An idle run prints its
 * {@linkcode IdleResult} once every client is connected, then holds the connections until standard
 * input closes (or says anything), and exits.
 *
 * @module
 */
import { runFlow } from "./flow.ts";
import { openIdle } from "./idle.ts";
import { runRetained } from "./retained.ts";
import type { LoadSpec } from "./spec.ts";

async function main(arg: string | undefined): Promise<number> {
  if (arg === undefined) {
    console.error("Usage: worker.ts '<spec JSON>'");
    return 2;
  }
  const spec = JSON.parse(arg) as LoadSpec;
  if (spec.mode === "flow") {
    console.log(JSON.stringify(await runFlow(spec)));
    return 0;
  }
  if (spec.mode === "retained") {
    console.log(JSON.stringify(await runRetained(spec)));
    return 0;
  }
  const { conns, result } = await openIdle(spec);
  console.log(JSON.stringify(result));
  const hold = setTimeout(() => {}, spec.timeoutMs);
  await Deno.stdin.read(new Uint8Array(16)).catch(() => null);
  clearTimeout(hold);
  for (const c of conns) {
    try {
      c.close();
    } catch { /* closed by the broker */ }
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args[0]));
  } catch (err) {
    console.error(`load worker: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
