/**
 * Which configured authenticators and topic checkers are not running, so that authentication and
 * topic checks fail closed (issue 9, item 6). The plugin host's chains only hold running plugins:
 * an auth plugin that failed to load or was stopped simply vanishes from them, and the chain rule
 * alone would then let clients in. This guard remembers who is supposed to take part:
 *
 * - `auth.plugins` / `topic_check.plugins` as a list: exactly those aliases;
 * - as null: every enabled plugin known to register the hook, and every plugin seen running with
 *   it during this broker's life (a stopped plugin keeps its duty; an uninstalled one does not), plus
 *   `unknown`: enabled plugins that failed before their hooks could be read.
 *
 * The roster (the plugin manager's list) is read again when a cheap signal changes (an expected
 * alias's manifest, or whether anyone registers the hook) and at most every second otherwise, so
 * the per-PUBLISH cost is a few lookups.
 *
 * @module
 */
import type { HookpointName } from "../plugins/sdk/mod.ts";

/** One plugin as the guard sees it (a subset of the plugin manager's view). */
export interface RosterRow {
  alias: string;
  state: string;
  hooks: readonly string[];
  /** Whether it starts with the broker; a stopped plugin is disabled. */
  enabled?: boolean;
}

/** What the guard needs from the plugin host: cheap, synchronous lookups. */
export interface GuardHost {
  has(hook: HookpointName): boolean;
  /** The loaded manifest of `alias`, null when it is not loaded. */
  manifest(alias: string): unknown;
}

/** The guard's answer for one hookpoint. */
export interface GuardView {
  /** Configured participants that are not running. */
  missing: string[];
  /** Enabled plugins that failed before their hooks were known (aliases list null only). */
  unknown: string[];
  /** Whether anyone is configured to take part at all (running or not). */
  configured: boolean;
}

/** The hookpoints the guard watches. */
export type GuardedHook = "client.authenticate" | "client.authorize";

interface Snapshot extends GuardView {
  at: number;
  has: boolean;
  manifests: Map<string, unknown>;
}

/** How long a roster snapshot is trusted when no cheap signal changed. */
const REFRESH_MS = 1000;

/**
 * Tracks configured participants of authentication and topic checks.
 *
 * @example
 * ```ts
 * import { PluginGuard } from "./plugin_guard.ts";
 * const rows = [{ alias: "pw", state: "failed", hooks: [] as string[], enabled: true }];
 * const guard = new PluginGuard(() => rows, { has: () => false, manifest: () => null }, {
 *   "client.authenticate": ["pw"],
 *   "client.authorize": null,
 * });
 * const view = guard.check("client.authenticate");
 * if (view.missing[0] !== "pw") throw new Error("a failed listed plugin must be missing");
 * ```
 */
export class PluginGuard {
  #roster: () => readonly RosterRow[];
  #host: GuardHost;
  #lists: Record<GuardedHook, readonly string[] | null>;
  #seen = new Map<GuardedHook, Set<string>>();
  #snapshots = new Map<GuardedHook, Snapshot>();

  /**
   * @param roster every installed or configured plugin with its state and hooks
   * @param host cheap lookups used to notice changes between roster reads
   * @param lists `auth.plugins` and `topic_check.plugins`
   */
  constructor(
    roster: () => readonly RosterRow[],
    host: GuardHost,
    lists: Record<GuardedHook, readonly string[] | null>,
  ) {
    this.#roster = roster;
    this.#host = host;
    this.#lists = lists;
  }

  /** Who should take part in `hook` and is not running. */
  check(hook: GuardedHook): GuardView {
    const snap = this.#snapshots.get(hook);
    if (snap && !this.#stale(hook, snap)) return snap;
    const fresh = this.#read(hook);
    this.#snapshots.set(hook, fresh);
    return fresh;
  }

  #stale(hook: GuardedHook, snap: Snapshot): boolean {
    if (Date.now() - snap.at > REFRESH_MS || this.#host.has(hook) !== snap.has) return true;
    for (const [alias, manifest] of snap.manifests) {
      if (this.#host.manifest(alias) !== manifest) return true;
    }
    return false;
  }

  #read(hook: GuardedHook): Snapshot {
    const rows = this.#roster();
    const seen = this.#seen.get(hook) ?? new Set<string>();
    this.#seen.set(hook, seen);
    for (const r of rows) if (r.state === "running" && r.hooks.includes(hook)) seen.add(r.alias);
    const list = this.#lists[hook];
    const byAlias = new Map(rows.map((r) => [r.alias, r]));
    let expected: string[];
    let unknown: string[] = [];
    if (list !== null) expected = [...list];
    else {
      // A plugin seen taking part keeps its duty while it is installed, whatever its row says now.
      expected = rows
        .filter((r) => seen.has(r.alias) || (r.hooks.includes(hook) && r.enabled !== false))
        .map((r) => r.alias);
      unknown = rows
        .filter((r) => r.state === "failed" && r.hooks.length === 0 && r.enabled !== false)
        .map((r) => r.alias);
    }
    const missing = expected.filter((a) => byAlias.get(a)?.state !== "running");
    const watched = [...expected, ...unknown];
    return {
      at: Date.now(),
      has: this.#host.has(hook),
      manifests: new Map(watched.map((a) => [a, this.#host.manifest(a)])),
      missing,
      unknown,
      configured: expected.length > 0 || unknown.length > 0,
    };
  }
}
