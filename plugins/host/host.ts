/**
 * PluginHost: what the broker calls. Loads every enabled plugin, keeps one chain per hookpoint
 * (priority order), and runs the chain rule the hookpoint table declares.
 *
 * @module
 */

import {
  AUTH_DEFAULTS,
  type AuthConfig,
  type PluginEntryInput,
  TOPIC_CHECK_DEFAULTS,
  type TopicCheckConfig,
  withEntryDefaults,
} from "./entry.ts";
import type { AuthenticateEvent, AuthorizeEvent } from "../sdk/events.ts";
import {
  type DecideHookpoint,
  type EventOf,
  type HookpointName,
  HOOKPOINTS,
  type NotifyHookpoint,
  type TransformHookpoint,
  type TransformValue,
} from "../sdk/hookpoints.ts";
import { type DecisionOutcome, runDecide, runTransform, runTransformBatch } from "./chain.ts";
import { TransformBatcher } from "./batcher.ts";
import { instantiateDeps, type PluginHostOptions } from "./host_options.ts";
import { type PluginStatus, slotStatus } from "./host_status.ts";
import {
  instantiate,
  type InstantiateDeps,
  type PluginSlot,
  probeManifest,
} from "./instantiate.ts";
import type { Manifest } from "./manifest.ts";
import type { HealthReport, Logger, Runner } from "./runner.ts";
import { Watchdog } from "./watchdog.ts";
import type { PluginStore } from "./store.ts";

export { ENTRY_DEFAULTS, type PluginEntryInput } from "./entry.ts";
export type { PluginHostOptions } from "./host_options.ts";
export type { PluginStatus } from "./host_status.ts";

/**
 * The plugin host.
 *
 * @example
 * ```ts ignore
 * const host = await PluginHost.start({ plugins: config.plugins, auth: config.auth,
 *   topicCheck: config.topic_check, dataDir: config.data_dir, log, services });
 * if (host.has("message.publish")) msg = await host.transform("message.publish", msg);
 * const ok = (await host.authorize({ client, action: "publish", topic, qos, retain })).result === "allow";
 * await host.close();
 * ```
 */
export class PluginHost {
  #slots: PluginSlot[];
  #chains = new Map<HookpointName, Runner[]>();
  #auth: AuthConfig;
  #topicCheck: TopicCheckConfig;
  #watchdog: Watchdog;
  #deps: InstantiateDeps;
  #inflight = new Set<Promise<unknown>>();
  #closed = false;
  /** The message hooks of one tick, run as one batch (one crossing per plugin). */
  #batcher = new TransformBatcher((hook, events) => {
    const { value, droppable } = HOOKPOINTS[hook];
    const chain = this.#chains.get(hook) ?? [];
    return this.#track(runTransformBatch(chain, hook, events, value, droppable));
  });

  private constructor(slots: PluginSlot[], opts: PluginHostOptions, deps: InstantiateDeps) {
    this.#slots = slots;
    this.#deps = deps;
    this.#watchdog = new Watchdog(opts.watchdogIntervalMs ?? 1000, (now) => {
      for (const s of this.#slots) s.runner?.tick(now);
    });
    this.#auth = opts.auth ?? AUTH_DEFAULTS;
    this.#topicCheck = opts.topicCheck ?? TOPIC_CHECK_DEFAULTS;
    this.#rebuild();
    this.#warnUnknownMembers(opts.log);
  }

  /** Loads and starts every enabled plugin (concurrently); a broken plugin never throws here. */
  static async start(opts: PluginHostOptions): Promise<PluginHost> {
    const deps = instantiateDeps(opts);
    const entries = Object.entries(opts.plugins).map(([a, e]) => [a, withEntryDefaults(e)] as const)
      .filter(([, e]) => e.enabled);
    const slots = await Promise.all(entries.map(([alias, e]) => instantiate(alias, e, deps)));
    return new PluginHost(slots, opts, deps);
  }

  /**
   * Sync: whether any live plugin registered `hook` (false: the broker skips building the event).
   * Decide hookpoints answer their fallback without crossing when no plugin takes part.
   */
  has(hook: HookpointName): boolean {
    const chain = this.#chains.get(hook);
    if (!chain) return false;
    return chain.some((r) => r.state === "running" || r.state === "crashed");
  }

  /**
   * `client.authenticate` over the `auth.plugins` participants. When all ignore: a client
   * without username is allowed iff `allow_anonymous`; a client with a username is allowed iff
   * `allow_anonymous` and no authentication plugin takes part (nobody could check it).
   * `options.fallback` overrides that.
   */
  authenticate(
    event: AuthenticateEvent,
    options: { fallback?: "allow" | "deny" } = {},
  ): Promise<DecisionOutcome> {
    const members = this.#members("client.authenticate", this.#auth.plugins);
    const anonymousOk = this.#auth.allow_anonymous &&
      (event.client.username === null || members.length === 0);
    return this.#track(runDecide(
      members,
      "client.authenticate",
      event,
      options.fallback ?? (anonymousOk ? "allow" : "deny"),
    ));
  }

  /**
   * `client.authorize` over the `topic_check.plugins` participants. `topic_check.enable: false`
   * allows without calling anyone. When all ignore: deny if any plugin took part or
   * `topic_check.plugins` names aliases; allow when no plugin checks topics at all.
   */
  authorize(event: AuthorizeEvent): Promise<DecisionOutcome> {
    if (!this.#topicCheck.enable) return Promise.resolve({ result: "allow", by: null });
    const members = this.#members("client.authorize", this.#topicCheck.plugins);
    const named = (this.#topicCheck.plugins ?? []).length > 0;
    return this.#track(runDecide(
      members,
      "client.authorize",
      event,
      members.length > 0 || named ? "deny" : "allow",
    ));
  }

  /** Any decide hookpoint (e.g. `client.connect`) with the table's fallback unless given. */
  decide<H extends DecideHookpoint>(
    hook: H,
    event: EventOf<H>,
    fallback: "allow" | "deny" = HOOKPOINTS[hook].whenAllIgnore,
  ): Promise<DecisionOutcome> {
    if (hook === "client.authenticate") {
      return this.authenticate(event as AuthenticateEvent, { fallback });
    }
    if (hook === "client.authorize") return this.authorize(event as AuthorizeEvent);
    return this.#track(runDecide(this.#chains.get(hook) ?? [], hook, event, fallback));
  }

  /**
   * Runs a transform chain; resolves to the final value (the field the table names, or the whole
   * event), or null when a plugin dropped it. The message hooks asked for in one tick run as one
   * batch (`batcher.ts`).
   */
  transform<H extends TransformHookpoint>(
    hook: H,
    event: EventOf<H>,
  ): Promise<TransformValue<H> | null> {
    if (hook === "message.publish" || hook === "message.delivered") {
      return this.#batcher.add(hook, event) as Promise<TransformValue<H> | null>;
    }
    const spec = HOOKPOINTS[hook];
    const chain = this.#chains.get(hook) ?? [];
    return this.#track(runTransform(chain, hook, event, spec.value, spec.droppable))
      .then((out) => out.dropped ? null : out.value as TransformValue<H>);
  }

  /** Fire-and-forget; batched per tick to each worker; errors are logged and counted. */
  notify<H extends NotifyHookpoint>(hook: H, event: EventOf<H>): void {
    const chain = this.#chains.get(hook);
    if (chain) { for (const r of chain) r.notify(hook, event); }
  }

  /** One row per configured, enabled plugin, in config order. */
  status(): PluginStatus[] {
    return this.#slots.map(slotStatus);
  }

  /** Stops every plugin (calling `stop`), terminates workers, flushes stores. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchdog.stop();
    await Promise.all(this.#slots.map((s) => s.runner?.close()));
    await Promise.all(this.#slots.map((s) => s.store?.flush()));
  }

  /**
   * Loads and starts one plugin at runtime (replacing a slot of the same alias, which must be
   * stopped first). Never throws for a broken plugin: its row in `status()` says why.
   */
  async load(alias: string, entry: PluginEntryInput): Promise<PluginStatus> {
    const slot = await instantiate(alias, withEntryDefaults(entry), this.#deps);
    const at = this.#slots.findIndex((s) => s.alias === alias);
    if (at >= 0) this.#slots[at] = slot;
    else this.#slots.push(slot);
    this.#rebuild();
    return this.status().find((s) => s.alias === alias)!;
  }

  /**
   * Stops one plugin: it leaves every chain, hook calls already in flight finish (up to its
   * `timeout_ms`), then `stop` runs, its worker is terminated and its store flushed.
   */
  async unload(alias: string): Promise<void> {
    const slot = this.#slots.find((s) => s.alias === alias);
    if (!slot) return;
    this.#slots = this.#slots.filter((s) => s !== slot);
    this.#rebuild();
    const drained = Promise.allSettled([...this.#inflight]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise((r) => timer = setTimeout(r, slot.entry.timeout_ms));
    await Promise.race([drained, limit]).finally(() => clearTimeout(timer));
    await slot.runner?.close();
    await slot.store?.flush();
  }

  /** The manifest of a plugin imported in a throwaway worker without permissions (no setup). */
  probe(alias: string, entry: PluginEntryInput): Promise<Manifest> {
    return probeManifest(alias, withEntryDefaults(entry), this.#deps);
  }

  /** Puts the plugins in this order (ties in priority run in it); unknown aliases are ignored. */
  reorder(aliases: string[]): void {
    const rank = (a: string) => {
      const i = aliases.indexOf(a);
      return i < 0 ? aliases.length : i;
    };
    this.#slots = [...this.#slots].sort((a, b) => rank(a.alias) - rank(b.alias));
    this.#rebuild();
  }

  /** The manifest of a loaded plugin, null when it is not loaded. */
  manifest(alias: string): Manifest | null {
    return this.#slots.find((s) => s.alias === alias)?.manifest ?? null;
  }

  /** A read-only view of a loaded plugin's `ctx.store` (the test harness reads it). */
  storeOf(alias: string): Pick<PluginStore, "get" | "list"> | null {
    const store = this.#slots.find((s) => s.alias === alias)?.store;
    return store ? { get: (k) => store.get(k), list: (p) => store.list(p) } : null;
  }

  /** Offers a new config to a running plugin (`configChanged`); rejects with its refusal. */
  async reconfigure(alias: string, config: Record<string, unknown>): Promise<{ applied: boolean }> {
    const runner = this.#slots.find((s) => s.alias === alias)?.runner;
    return runner ? await runner.configure(config) : { applied: false };
  }

  /** The plugin's `healthCheck` answer; null when it has none or is not running. */
  async health(alias: string): Promise<HealthReport | null> {
    const runner = this.#slots.find((s) => s.alias === alias)?.runner;
    try {
      return runner ? await runner.health() : null;
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  #rebuild(): void {
    this.#chains = new Map();
    const loaded = this.#slots.filter((s) => s.runner && s.manifest);
    const ordered = [...loaded].sort((a, b) => b.entry.priority - a.entry.priority);
    for (const s of ordered) {
      for (const hook of s.manifest!.hooks) {
        const chain = this.#chains.get(hook) ?? [];
        chain.push(s.runner!);
        this.#chains.set(hook, chain);
      }
    }
    this.#watchdog.need(this.#slots.some((s) => s.runner && s.isolation !== "none"));
  }

  /** Warns about `auth.plugins` / `topic_check.plugins` aliases that name no plugin. */
  #warnUnknownMembers(log: Logger): void {
    for (const [role, cfg] of [["auth", this.#auth], ["topic_check", this.#topicCheck]] as const) {
      for (const alias of cfg.plugins ?? []) {
        if (!this.#slots.some((s) => s.alias === alias)) {
          log.warn(`${role}.plugins names "${alias}", which is not a configured plugin`);
        }
      }
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    p.finally(() => this.#inflight.delete(p)).catch(() => {});
    return p;
  }

  #members(hook: DecideHookpoint, aliases: string[] | null): Runner[] {
    const chain = this.#chains.get(hook) ?? [];
    return aliases === null ? chain : chain.filter((r) => aliases.includes(r.alias));
  }
}
