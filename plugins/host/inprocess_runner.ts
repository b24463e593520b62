/**
 * `isolation: none`: the plugin module runs in the broker's own isolate, with the same contract
 * (events are cloned, hooks time out, errors are counted) but full trust: no permission cage, and a
 * hook stuck in a synchronous loop freezes the broker. Meant for built-ins.
 *
 * @module
 */

import type { PluginEntryConfig } from "./entry.ts";
import type { HookpointName } from "../sdk/hookpoints.ts";
import type { Plugin, PluginContext } from "../sdk/plugin.ts";
import { makeContext } from "./context.ts";
import type { LoadedSource } from "./loader.ts";
import { type Manifest, readManifest } from "./manifest.ts";
import { sdkStampProblem } from "../sdk/version.ts";
import { callHook, configure } from "./plugin_calls.ts";
import type { HealthReport } from "./protocol.ts";
import { RpcTimeoutError } from "./rpc.ts";
import { type CallOutcome, type Logger, type Runner, RunnerBase } from "./runner.ts";
import type { PluginServices } from "./services.ts";

/** Settings of an in-process plugin. */
export interface InProcessRunnerOptions {
  source: LoadedSource;
  services: PluginServices;
  log: Logger;
  startTimeoutMs: number;
}

/**
 * Races `p` against a timer; the timer is always cleared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withTimeout } from "./inprocess_runner.ts";
 * assert.equal(await withTimeout(Promise.resolve(1), 100, "x"), 1);
 * ```
 */
export function withTimeout<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RpcTimeoutError(label, ms)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function importInProcess(source: LoadedSource): Promise<unknown> {
  // Full trust: a local file is imported by URL so its relative imports resolve.
  if (source.kind !== "code" || source.url.startsWith("file:")) return await import(source.url);
  const url = URL.createObjectURL(new Blob([source.code], { type: source.mediaType }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * A plugin running in the broker's isolate.
 *
 * @example
 * ```ts ignore
 * const r = new InProcessRunner("stats", entry, options);
 * await r.load();
 * await r.start({});
 * ```
 */
export class InProcessRunner extends RunnerBase implements Runner {
  #opts: InProcessRunnerOptions;
  #plugin: Plugin | null = null;
  #ctx: PluginContext | null = null;

  constructor(alias: string, entry: PluginEntryConfig, opts: InProcessRunnerOptions) {
    super(alias, entry, opts.log);
    this.#opts = opts;
  }

  async load(): Promise<Manifest> {
    this.log.warn(
      `Plugin "${this.alias}" runs in-process (isolation: none): full trust, no permission cage`,
      { plugin: this.alias },
    );
    const { plugin, manifest } = readManifest(await importInProcess(this.#opts.source));
    const sdk = sdkStampProblem(plugin);
    if (sdk) throw new TypeError(sdk);
    this.#plugin = plugin;
    return manifest;
  }

  async start(config: Record<string, unknown>): Promise<void> {
    const plugin = this.#plugin!;
    const ctx = makeContext(this.alias, config, this.#opts.services);
    this.#ctx = ctx;
    const ms = this.#opts.startTimeoutMs;
    if (plugin.setup) await withTimeout(Promise.resolve(plugin.setup(ctx)), ms, "setup");
    if (plugin.start) await withTimeout(Promise.resolve(plugin.start(ctx)), ms, "start");
    this.state = "running";
  }

  call(hook: HookpointName, event: unknown): Promise<CallOutcome> {
    return this.measure(hook, () => this.#call(hook, event));
  }

  /** In the broker's isolate there is no crossing to save: the events are called one by one. */
  callBatch(hook: HookpointName, events: unknown[]): Promise<CallOutcome[]> {
    return Promise.all(events.map((e) => this.call(hook, e)));
  }

  async #call(hook: HookpointName, event: unknown): Promise<CallOutcome> {
    if (this.state !== "running") {
      return { ok: false, reason: "unavailable", message: `plugin is ${this.state}` };
    }
    this.metrics.calls++;
    try {
      const run = async () => await callHook(this.#plugin!, hook, cloneEvent(event), this.#ctx!);
      return { ok: true, value: await withTimeout(run(), this.entry.timeout_ms, hook) };
    } catch (err) {
      const kind = err instanceof RpcTimeoutError ? "timeout" : "error";
      return this.fault(hook, kind, (err as Error)?.message ?? String(err));
    }
  }

  async configure(config: Record<string, unknown>): Promise<{ applied: boolean }> {
    if (this.state !== "running") return { applied: false };
    const run = configure(this.#plugin, this.#ctx, structuredClone(config));
    return await withTimeout(run, this.#opts.startTimeoutMs, "configChanged");
  }

  async health(): Promise<HealthReport | null> {
    if (this.state !== "running" || !this.#plugin?.healthCheck) return null;
    const run = Promise.resolve(this.#plugin.healthCheck(this.#ctx!));
    return await withTimeout(run, this.entry.timeout_ms, "healthCheck");
  }

  notify(hook: HookpointName, event: unknown): void {
    if (this.state !== "running") return;
    this.metrics.calls++;
    this.hookMetrics.call(hook);
    queueMicrotask(async () => {
      try {
        await callHook(this.#plugin!, hook, cloneEvent(event), this.#ctx!);
      } catch (err) {
        this.fault(hook, "error", (err as Error)?.message ?? String(err));
      }
    });
  }

  tick(_now: number): void {}

  async close(): Promise<void> {
    if (this.state === "running" && this.#plugin?.stop) {
      try {
        await withTimeout(
          Promise.resolve(this.#plugin.stop(this.#ctx!)),
          this.entry.timeout_ms,
          "stop",
        );
      } catch (err) {
        this.log.warn("Plugin stop failed", { plugin: this.alias, error: (err as Error).message });
      }
    }
    if (this.state !== "failed") this.state = "stopped";
  }
}

/**
 * A copy of an event for a plugin in the broker's isolate: a structured clone, with every byte
 * view first cut to its own bytes (a decoded payload is a view into a whole read buffer, which a
 * clone would copy entire).
 */
function cloneEvent(event: unknown): unknown {
  return structuredClone(ownBytes(event, 0));
}

function ownBytes(v: unknown, depth: number): unknown {
  if (v instanceof Uint8Array) {
    return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();
  }
  if (v === null || typeof v !== "object" || depth > 4) return v;
  if (Array.isArray(v)) return v.map((x) => ownBytes(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = ownBytes(x, depth + 1);
  return out;
}
