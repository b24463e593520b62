/**
 * Host side of a caged plugin (a Worker or a child process, see cage.ts): exactly the declared
 * permissions, pipelined RPC, timeouts, a ping watchdog, and restart with exponential backoff
 * after a crash. Every frame and message from the plugin is untrusted: a malformed one is the
 * plugin's fault (logged, counted, the plugin restarted), never an exception in the broker.
 *
 * @module
 */

import type { PluginEntryConfig } from "./entry.ts";
import type { HookpointName } from "../sdk/hookpoints.ts";
import type { Cage, CageHandle } from "./cage.ts";
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
import { TokenBucket } from "./token_bucket.ts";

/** Log and fault messages a plugin may send per second; the rest are dropped and counted. */
const MESSAGES_PER_SECOND = 500;

/** Settings of a caged plugin. */
export interface CagedRunnerOptions {
  cage: Cage;
  services: PluginServices;
  log: Logger;
  /** Limit for load and setup/start, in milliseconds. */
  startTimeoutMs: number;
  /** Restart delay: `initialMs * 2^n`, at most `maxMs`. */
  backoff: { initialMs: number; maxMs: number };
}

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

/** A `log` message from a plugin, checked; null when it is not one. */
function logMessage(
  a: unknown,
): { level: LogLevel; msg: string; fields?: Record<string, unknown> } | null {
  if (a === null || typeof a !== "object") return null;
  const { level, msg, fields } = a as Record<string, unknown>;
  if (typeof level !== "string" || !LEVELS.includes(level) || typeof msg !== "string") return null;
  const ok = fields === undefined ||
    (fields !== null && typeof fields === "object" && !Array.isArray(fields));
  return ok
    ? { level: level as LogLevel, msg, fields: fields as Record<string, unknown> | undefined }
    : null;
}

/** A `fault` message from a plugin, checked; null when it is not one. */
function faultMessage(a: unknown): { hook: string | null; message: string } | null {
  if (a === null || typeof a !== "object") return null;
  const { hook, message } = a as Record<string, unknown>;
  if ((hook !== null && typeof hook !== "string") || typeof message !== "string") return null;
  return { hook: hook === null ? null : hook.slice(0, 100), message: message.slice(0, 2000) };
}

/**
 * A plugin running in its own cage.
 *
 * @example
 * ```ts ignore
 * const r = new CagedRunner("acl", entry, { cage: new ProcessCage("acl", source, limits), ...options });
 * const manifest = await r.load();
 * await r.start(config);
 * const outcome = await r.call("client.authorize", event);
 * await r.close();
 * ```
 */
export class CagedRunner extends RunnerBase implements Runner {
  #opts: CagedRunnerOptions;
  #handle: CageHandle | null = null;
  #peer: RpcPeer | null = null;
  #declared: WorkerPermissions | null = null;
  #config: Record<string, unknown> = {};
  #pingSince: number | null = null;
  #runningSince = 0;
  #attempts = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Log and fault messages from the plugin, per second. */
  #messages = new TokenBucket(MESSAGES_PER_SECOND);
  #droppedMessages = 0;
  /** Cages being terminated; close() waits for them. */
  #ending = new Set<Promise<void>>();

  constructor(alias: string, entry: PluginEntryConfig, opts: CagedRunnerOptions) {
    super(alias, entry, opts.log);
    this.#opts = opts;
  }

  /**
   * Imports the plugin in a throwaway cage with NO permissions, for its manifest: top-level code
   * never runs with more than the plugin declared and the operator granted.
   */
  async load(): Promise<Manifest> {
    const { handle, peer } = this.#spawn(workerPermissions({}), true);
    try {
      const args = { alias: this.alias, source: this.#opts.cage.source };
      const manifest = await peer.call("load", args, this.#opts.startTimeoutMs) as Manifest;
      const declared = parsePermissions(manifest.permissions);
      this.#declared = workerPermissions(
        scopedPermissions(declared, parsePermissions(this.entry.permissions)),
      );
      return manifest;
    } finally {
      peer.close(new RpcClosedError("probe finished"));
      await handle.terminate();
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
    await Promise.all(this.#ending);
    if (this.state !== "failed") this.state = "stopped";
  }

  async #boot(): Promise<void> {
    const { handle, peer } = this.#spawn(this.#declared!, false);
    this.#handle = handle;
    this.#peer = peer;
    const args = { alias: this.alias, source: this.#opts.cage.source };
    await peer.call("load", args, this.#opts.startTimeoutMs);
    await peer.call("start", this.#config, this.#opts.startTimeoutMs);
    if (this.#peer !== peer) throw new RpcClosedError("plugin crashed while starting");
    this.state = "running";
    this.#runningSince = Date.now();
  }

  /** Opens a cage; `probe` cages only answer `load` and report problems by failing it. */
  #spawn(permissions: WorkerPermissions, probe: boolean): { handle: CageHandle; peer: RpcPeer } {
    const services = this.#opts.services;
    // Problems of this cage: a probe fails its call, a running plugin crashes (and restarts).
    const broken = (reason: string) => {
      if (!probe && this.#peer === peer) this.#crash(reason);
      else peer.close(new RpcClosedError(`plugin ${reason}`));
    };
    const peer: RpcPeer = new RpcPeer({ postMessage: (b) => handle.port.postMessage(b) }, {
      request: (m, a) => {
        if (probe) throw new Error("context services are not available while the plugin is probed");
        return services.invoke(m, a);
      },
      message: (m, a) => {
        if (!this.#messages.take()) return void this.#dropMessage();
        if (m === "log") {
          const x = logMessage(a);
          if (x) services.log(x.level, x.msg, x.fields);
          else this.fault(null, "error", "malformed log message");
        } else if (m === "fault") {
          const f = faultMessage(a);
          this.fault(f?.hook ?? null, "error", f?.message ?? "malformed fault message");
        }
      },
      invalid: (reason) => {
        this.metrics.errors++;
        broken(`protocol violation: ${reason}`);
      },
    });
    const handle: CageHandle = this.#opts.cage.open(permissions, {
      receive: (batch) => peer.receive(batch),
      crash: (reason) => broken(reason),
      invalid: (reason) => {
        this.metrics.errors++;
        broken(`protocol violation: ${reason}`);
      },
    });
    return { handle, peer };
  }

  /** Counts a message over the rate; says so once per 1,000 dropped. */
  #dropMessage(): void {
    if (this.#droppedMessages++ % 1000 === 0) {
      this.log.warn("Plugin messages dropped: over the rate", {
        plugin: this.alias,
        limit_per_second: MESSAGES_PER_SECOND,
        dropped: this.#droppedMessages,
      });
    }
  }

  #teardown(reason: Error): void {
    const handle = this.#handle;
    if (handle) {
      const ending = handle.terminate().catch(() => {});
      this.#ending.add(ending);
      ending.then(() => this.#ending.delete(ending));
    }
    this.#peer?.close(reason);
    this.#handle = null;
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
