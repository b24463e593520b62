/**
 * Host side of a caged plugin (a Worker or a child process, see cage.ts): exactly the declared
 * permissions, pipelined RPC, timeouts, a ping watchdog, and restart with exponential backoff
 * after a crash. Every frame and message from the plugin is untrusted and read against the wire
 * tables (protocol.ts, wire_checks.ts): a malformed frame is the plugin's fault (logged, counted,
 * the plugin restarted), never an exception in the broker.
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
import { type MessageHandlers, type PluginWire, serveMessages } from "./protocol.ts";
import type { HealthReport, HookBatch, HostMessages } from "./protocol.ts";
import { callBatchOver } from "./batch_call.ts";
import { RemoteError, RpcClosedError, RpcPeer, RpcTimeoutError } from "./rpc.ts";
import { type CallOutcome, type Logger, type Runner, RunnerBase } from "./runner.ts";
import type { PluginServices } from "./services.ts";
import { TokenBucket } from "./token_bucket.ts";
import { HOST_MESSAGES, PLUGIN_ANSWERS } from "./wire_checks.ts";

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
  #peer: RpcPeer<PluginWire> | null = null;
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

  /** What the host does with each one-way message of a plugin (already read and rate-held). */
  #messageHandlers: MessageHandlers<HostMessages> = {
    log: ({ level, msg, fields }) => this.#opts.services.log(level, msg, fields),
    fault: ({ hook, message }) => void this.fault(hook, "error", message),
  };

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
      const manifest = await peer.call("load", args, this.#opts.startTimeoutMs);
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

  callBatch(hook: HookpointName, events: unknown[]): Promise<CallOutcome[]> {
    const peer = this.state === "running" ? this.#peer : null;
    const send = peer && ((b: HookBatch) => peer.call("hooks", b, this.entry.timeout_ms));
    return callBatchOver(send, this, hook, events);
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
      if (out.applied) this.#config = config;
      return out;
    } catch (err) {
      throw new Error((err as Error).message);
    }
  }

  async health(): Promise<HealthReport | null> {
    if (this.state !== "running" || !this.#peer) return null;
    return await this.#peer.call("health", null, this.entry.timeout_ms);
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
  #spawn(
    permissions: WorkerPermissions,
    probe: boolean,
  ): { handle: CageHandle; peer: RpcPeer<PluginWire> } {
    // Problems of this cage: a probe fails its call, a running plugin crashes (and restarts).
    const broken = (reason: string) => {
      if (!probe && this.#peer === peer) this.#crash(reason);
      else peer.close(new RpcClosedError(`plugin ${reason}`));
    };
    const violation = (reason: string) => {
      this.metrics.errors++;
      broken(`protocol violation: ${reason}`);
    };
    const services = this.#opts.services;
    const messages = serveMessages(HOST_MESSAGES, this.#messageHandlers, (m) => {
      this.fault(null, "error", `malformed ${m} message`);
    });
    const peer = new RpcPeer<PluginWire>({ postMessage: (b) => handle.port.postMessage(b) }, {
      request: (m, a) => {
        if (probe) throw new Error("context services are not available while the plugin is probed");
        return services.invoke(m, a);
      },
      message: (m, a) => this.#messages.take() ? messages(m, a) : this.#dropMessage(),
      invalid: violation,
    }, PLUGIN_ANSWERS);
    const handle: CageHandle = this.#opts.cage.open(permissions, {
      receive: (batch) => peer.receive(batch),
      crash: broken,
      invalid: violation,
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
