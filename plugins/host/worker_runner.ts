/**
 * Host side of a caged plugin: one Worker with exactly the declared permissions, pipelined RPC,
 * timeouts, a ping watchdog, and restart with exponential backoff after a crash.
 *
 * @module
 */

import type { PluginEntryConfig } from "../../broker/config/types.ts";
import type { HookpointName } from "../sdk/hookpoints.ts";
import { PluginLoadError } from "./errors.ts";
import type { LoadedSource } from "./loader.ts";
import type { Manifest } from "./manifest.ts";
import {
  parsePermissions,
  scopedPermissions,
  type WorkerPermissions,
  workerPermissions,
} from "./permissions.ts";
import { RemoteError, RpcClosedError, RpcPeer, RpcTimeoutError } from "./rpc.ts";
import {
  type CallOutcome,
  type HealthReport,
  type Logger,
  type Runner,
  RunnerBase,
} from "./runner.ts";
import type { PluginServices } from "./services.ts";
import type { LogLevel } from "./context.ts";

/** Settings of a caged plugin. */
export interface WorkerRunnerOptions {
  source: LoadedSource;
  services: PluginServices;
  log: Logger;
  /** Limit for load and setup/start, in milliseconds. */
  startTimeoutMs: number;
  /** Restart delay: `initialMs * 2^n`, at most `maxMs`. */
  backoff: { initialMs: number; maxMs: number };
}

const BOOTSTRAP = new URL("./worker_bootstrap.ts", import.meta.url).href;
const WORKER_MAIN = new URL("./worker_main.ts", import.meta.url).href;

function rootModule(source: LoadedSource): string {
  if (source.kind !== "trusted") return WORKER_MAIN;
  // A built-in is imported statically by the root, i.e. with the broker's module-loading
  // permissions, so it may span files. Its Deno API calls still obey the worker's permissions.
  const code = `import { runWorker } from ${JSON.stringify(BOOTSTRAP)};\n` +
    `import * as plugin from ${JSON.stringify(source.url)};\nrunWorker(plugin);\n`;
  return `data:application/javascript;base64,${btoa(code)}`;
}

/**
 * A plugin running in its own Worker.
 *
 * @example
 * ```ts ignore
 * const r = new WorkerRunner("acl", entry, options);
 * const manifest = await r.load();
 * await r.start(config);
 * const outcome = await r.call("client.authorize", event);
 * await r.close();
 * ```
 */
export class WorkerRunner extends RunnerBase implements Runner {
  #opts: WorkerRunnerOptions;
  #worker: Worker | null = null;
  #peer: RpcPeer | null = null;
  #declared: WorkerPermissions | null = null;
  #config: Record<string, unknown> = {};
  #pingSince: number | null = null;
  #runningSince = 0;
  #attempts = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(alias: string, entry: PluginEntryConfig, opts: WorkerRunnerOptions) {
    super(alias, entry, opts.log);
    this.#opts = opts;
  }

  /** Imports the plugin in a throwaway worker holding the operator's grant, for its manifest. */
  async load(): Promise<Manifest> {
    const grant = workerPermissions(parsePermissions(this.entry.permissions));
    const { worker, peer } = this.#spawn(grant);
    try {
      const args = { alias: this.alias, source: this.#opts.source };
      const manifest = await peer.call("load", args, this.#opts.startTimeoutMs) as Manifest;
      const declared = parsePermissions(manifest.permissions);
      this.#declared = workerPermissions(
        scopedPermissions(declared, parsePermissions(this.entry.permissions)),
      );
      return manifest;
    } finally {
      worker.terminate();
      peer.close(new RpcClosedError("probe finished"));
    }
  }

  /** Starts the real worker with exactly the declared permissions. */
  async start(config: Record<string, unknown>): Promise<void> {
    this.#config = config;
    await this.#boot();
  }

  call(hook: HookpointName, event: unknown): Promise<CallOutcome> {
    return this.measure(hook, () => this.#call(hook, event));
  }

  async #call(hook: HookpointName, event: unknown): Promise<CallOutcome> {
    const peer = this.#peer;
    if (this.state !== "running" || !peer) {
      return { ok: false, reason: "unavailable", message: `plugin is ${this.state}` };
    }
    this.metrics.calls++;
    try {
      return {
        ok: true,
        value: await peer.call("hook", { h: hook, e: event }, this.entry.timeout_ms),
      };
    } catch (err) {
      if (err instanceof RpcTimeoutError) return this.fault(hook, "timeout", err.message);
      if (err instanceof RemoteError) return this.fault(hook, "error", err.message);
      return { ok: false, reason: "unavailable", message: (err as Error).message };
    }
  }

  async configure(config: Record<string, unknown>): Promise<{ applied: boolean }> {
    if (this.state !== "running" || !this.#peer) return { applied: false };
    try {
      const out = await this.#peer.call("configure", config, this.#opts.startTimeoutMs);
      if ((out as { applied: boolean }).applied) this.#config = config;
      return out as { applied: boolean };
    } catch (err) {
      throw new Error((err as Error).message);
    }
  }

  async health(): Promise<HealthReport | null> {
    if (this.state !== "running" || !this.#peer) return null;
    return await this.#peer.call("health", null, this.entry.timeout_ms) as HealthReport | null;
  }

  notify(hook: HookpointName, event: unknown): void {
    if (this.state !== "running" || !this.#peer) return;
    this.metrics.calls++;
    this.hookMetrics.call(hook);
    this.#peer.send("notify", { h: hook, e: event });
  }

  /** Watchdog: a worker that leaves a ping unanswered longer than `timeout_ms` is hung. */
  tick(now: number): void {
    const peer = this.#peer;
    if (this.state !== "running" || !peer) return;
    if (this.#pingSince !== null) {
      if (now - this.#pingSince > this.entry.timeout_ms) {
        this.#crash(`unresponsive: no answer to the watchdog within ${this.entry.timeout_ms} ms`);
      }
      return;
    }
    if (now - this.#runningSince > this.#opts.backoff.maxMs) this.#attempts = 0;
    this.#pingSince = now;
    peer.call("ping", null).then(() => {
      if (this.#peer === peer) this.#pingSince = null;
    }, () => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    if (this.state === "running" && this.#peer) {
      try {
        await this.#peer.call(
          "stop",
          null,
          Math.min(this.entry.timeout_ms, this.#opts.startTimeoutMs),
        );
      } catch (err) {
        this.log.warn("Plugin stop failed", { plugin: this.alias, error: (err as Error).message });
      }
    }
    this.#teardown(new RpcClosedError("plugin host closed"));
    if (this.state !== "failed") this.state = "stopped";
  }

  async #boot(): Promise<void> {
    const { worker, peer } = this.#spawn(this.#declared!);
    this.#worker = worker;
    this.#peer = peer;
    const args = { alias: this.alias, source: this.#opts.source };
    await peer.call("load", args, this.#opts.startTimeoutMs);
    await peer.call("start", this.#config, this.#opts.startTimeoutMs);
    if (this.#peer !== peer) throw new RpcClosedError("worker crashed while starting");
    this.state = "running";
    this.#runningSince = Date.now();
  }

  #spawn(permissions: WorkerPermissions): { worker: Worker; peer: RpcPeer } {
    let worker: Worker;
    try {
      worker = new Worker(rootModule(this.#opts.source), {
        type: "module",
        name: `plugin:${this.alias}`,
        deno: { permissions },
      });
    } catch (err) {
      throw new PluginLoadError(
        this.alias,
        `the broker process itself lacks a permission this plugin needs (${
          (err as Error).message
        }); start the broker with the matching --allow-* flag`,
        { cause: err },
      );
    }
    const services = this.#opts.services;
    const peer = new RpcPeer(worker, {
      request: (m, a) => services.invoke(m, a),
      message: (m, a) => {
        const x = a as { level: LogLevel; msg: string; fields?: Record<string, unknown> };
        if (m === "log") services.log(x.level, x.msg, x.fields);
        if (m === "fault") {
          const f = a as { hook: string | null; message: string };
          this.fault(f.hook, "error", f.message);
        }
      },
    });
    worker.onmessage = (e) => peer.receive(e.data);
    worker.onmessageerror = () => this.fault(null, "error", "message could not be deserialized");
    worker.onerror = (e) => {
      e.preventDefault();
      if (this.#peer === peer) this.#crash(`uncaught error: ${e.message}`);
      else peer.close(new Error(`uncaught error in plugin worker: ${e.message}`));
    };
    return { worker, peer };
  }

  #teardown(reason: Error): void {
    this.#worker?.terminate();
    this.#peer?.close(reason);
    this.#worker = null;
    this.#peer = null;
    this.#pingSince = null;
  }

  #crash(reason: string): void {
    if (this.#closed || this.state === "failed" || this.state === "stopped") return;
    this.#teardown(new RpcClosedError(`plugin crashed: ${reason}`));
    if (this.state === "starting" || this.#restartTimer !== undefined) return; // start() reports it
    this.state = "crashed";
    this.error = reason;
    const { initialMs, maxMs } = this.#opts.backoff;
    const delay = Math.min(initialMs * 2 ** this.#attempts++, maxMs);
    this.log.error(`Plugin "${this.alias}" crashed, restarting in ${delay} ms`, {
      plugin: this.alias,
      error: reason,
    });
    this.#restartTimer = setTimeout(() => this.#restart(), delay);
  }

  async #restart(): Promise<void> {
    this.#restartTimer = undefined;
    if (this.#closed) return;
    this.metrics.restarts++;
    try {
      await this.#boot();
      this.log.info(`Plugin "${this.alias}" restarted`, { plugin: this.alias });
    } catch (err) {
      if (this.#closed) return;
      if (err instanceof RemoteError) {
        this.#teardown(new RpcClosedError("setup failed"));
        this.fail(`setup/start threw after restart: ${err.message}`);
      } else {
        this.#crash(`restart failed: ${(err as Error).message}`);
      }
    }
  }
}
