/**
 * The cluster's desired plugin state in the KV bucket `<prefix>_plugins`: one record per plugin
 * under `p.<alias>` (package pin, grant, enabled, config and its version, restart count) and the
 * order of the cluster's plugins under `order`. Every write is a compare-and-set on the key's
 * revision, retried on a conflict after re-reading, so two nodes acting at once lose nothing.
 *
 * @module
 */
import type { KV, KvEntry } from "@nats-io/kv";
import type { PluginPermissions } from "../../plugins/sdk/plugin.ts";
import { AdminError } from "../../plugins/host/admin_errors.ts";

/** One plugin as the cluster wants it on every node. */
export interface DesiredPlugin {
  alias: string;
  /** Hex sha256 of the package in `<prefix>_packages` (its object name); null for a module. */
  sha256: string | null;
  /** The module source when installed without a package (every node loads it itself). */
  source: string | null;
  /** The package's file pins as unpacked on the installing node (tells versions apart). */
  files: Record<string, string> | null;
  /** The permissions granted at install. */
  grant: PluginPermissions;
  /** Whether it runs on every node. */
  enabled: boolean;
  config: Record<string, unknown>;
  configVersion: number;
  /** Bumped by a cluster-wide restart. */
  restarts: number;
}

/** Why a bucket record was refused. */
export class DesiredRecordError extends TypeError {
  /** The key of the refused record. */
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`Cluster plugin record "${key}" is refused: ${reason}`);
    this.name = "DesiredRecordError";
    this.key = key;
  }
}

const ALIAS = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The bucket key of `alias`. */
export const recordKey = (alias: string): string => `p.${alias}`;
/** The key of the cluster's plugin order. */
export const ORDER_KEY = "order";

/**
 * Checks one record read from the bucket.
 *
 * @throws {DesiredRecordError} when it is not JSON or lacks a field of the right type
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDesired } from "./plugin_desired.ts";
 * const d = { alias: "p", sha256: null, source: "npm:x", files: null, grant: {}, enabled: true,
 *   config: {}, configVersion: 0, restarts: 0 };
 * assert.equal(parseDesired("p.p", JSON.stringify(d)).alias, "p");
 * assert.throws(() => parseDesired("p.p", "{"), /not JSON/);
 * ```
 */
export function parseDesired(key: string, text: string): DesiredPlugin {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new DesiredRecordError(key, "it is not JSON");
  }
  const bad = (what: string) => new DesiredRecordError(key, `expected ${what}`);
  if (!isObject(v)) throw bad("a JSON object");
  if (typeof v.alias !== "string" || !ALIAS.test(v.alias) || recordKey(v.alias) !== key) {
    throw bad(`"alias" matching the key`);
  }
  if (v.sha256 !== null && (typeof v.sha256 !== "string" || !SHA256.test(v.sha256))) {
    throw bad(`"sha256" as 64 hex digits or null`);
  }
  if (v.sha256 === null && (typeof v.source !== "string" || v.source === "")) {
    throw bad(`"source" when there is no package`);
  }
  if (v.files !== null && !isObject(v.files)) throw bad(`"files" as an object or null`);
  if (!isObject(v.grant) || !isObject(v.config)) throw bad(`"grant" and "config" as objects`);
  if (typeof v.enabled !== "boolean") throw bad(`"enabled" as a boolean`);
  for (const n of ["configVersion", "restarts"] as const) {
    if (!Number.isSafeInteger(v[n]) || (v[n] as number) < 0) throw bad(`"${n}" as a count`);
  }
  return v as unknown as DesiredPlugin;
}

/** Reads the order record; anything malformed reads as no order. */
export function parseOrder(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((a): a is string => typeof a === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Moves `alias` inside `order` as `position` says (`front`, `rear`, `before:X`, `after:X`); an
 * `X` outside the cluster's order leaves it where it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { moveIn } from "./plugin_desired.ts";
 * assert.deepEqual(moveIn(["a", "b", "c"], "c", "before:a"), ["c", "a", "b"]);
 * assert.deepEqual(moveIn(["a", "b"], "a", "rear"), ["b", "a"]);
 * ```
 */
export function moveIn(order: string[], alias: string, position: string): string[] {
  const rest = order.filter((a) => a !== alias);
  if (position === "front") return [alias, ...rest];
  if (position === "rear") return [...rest, alias];
  const [where, target] = position.split(":", 2);
  const at = rest.indexOf(target);
  if (at < 0 || !order.includes(alias)) return order;
  rest.splice(where === "before" ? at : at + 1, 0, alias);
  return rest;
}

const text = (e: KvEntry) => new TextDecoder().decode(e.value);

/** How many times a write is retried after conflicts before giving up. */
const ATTEMPTS = 20;

/** Whether `err` is a compare-and-set conflict (someone wrote the key first). */
const isConflict = (err: unknown) => /wrong last sequence/i.test((err as Error)?.message ?? "");

/** A bucket failure other than a conflict, as the admin API answers it. */
function unreachable(err: unknown): AdminError {
  if (err instanceof AdminError) return err;
  return new AdminError(
    "INTERNAL_ERROR",
    `The cluster's plugin bucket cannot be used (is NATS reachable?): ${(err as Error).message}`,
  );
}

/**
 * Runs a compare-and-set write: its revision, or 0 after a conflict (`conflict` may throw
 * instead); any other failure becomes INTERNAL_ERROR.
 */
async function write(op: () => Promise<number>, conflict: () => number = () => 0): Promise<number> {
  try {
    return await op();
  } catch (err) {
    if (isConflict(err)) return conflict();
    throw unreachable(err);
  }
}

/**
 * The bucket, read and written with compare-and-set.
 *
 * @example
 * ```ts ignore
 * const bucket = new DesiredBucket(await new Kvm(nc).create("aviary_plugins", { history: 1 }));
 * await bucket.update("prefixer", (d) => ({ ...d, enabled: true }));
 * ```
 */
export class DesiredBucket {
  readonly kv: KV;
  constructor(kv: KV) {
    this.kv = kv;
  }

  /** The record of `alias` and its revision, or null. */
  async get(alias: string): Promise<{ d: DesiredPlugin; revision: number } | null> {
    const e = await this.kv.get(recordKey(alias)).catch((err) => Promise.reject(unreachable(err)));
    if (!e || e.operation !== "PUT") return null;
    return { d: parseDesired(e.key, text(e)), revision: e.revision };
  }

  /** Creates the record; ALREADY_EXISTS when the cluster has the alias. */
  create(d: DesiredPlugin): Promise<number> {
    return write(() => this.kv.create(recordKey(d.alias), JSON.stringify(d)), () => {
      throw new AdminError(
        "ALREADY_EXISTS",
        `Plugin "${d.alias}" is already installed in the cluster`,
      );
    });
  }

  /** Changes the record of `alias` with `change` (re-read and retried on a conflict). */
  async update(
    alias: string,
    change: (d: DesiredPlugin) => DesiredPlugin,
  ): Promise<{ d: DesiredPlugin; revision: number }> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const cur = await this.get(alias);
      if (!cur) throw new AdminError("NOT_FOUND", `No plugin "${alias}" in the cluster`);
      const d = change(cur.d);
      const value = JSON.stringify(d);
      const revision = await write(() => this.kv.update(recordKey(alias), value, cur.revision));
      if (revision > 0) return { d, revision };
    }
    throw contended(recordKey(alias));
  }

  /** Deletes the record of `alias`. */
  async remove(alias: string): Promise<void> {
    await write(() => this.kv.delete(recordKey(alias)).then(() => 1));
  }

  /** Changes the order with `change` (compare-and-set, retried). */
  async updateOrder(change: (order: string[]) => string[]): Promise<string[]> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const e = await this.kv.get(ORDER_KEY).catch((err) => Promise.reject(unreachable(err)));
      const next = change(e && e.operation === "PUT" ? parseOrder(text(e)) : []);
      const value = JSON.stringify(next);
      const put = () =>
        e ? this.kv.update(ORDER_KEY, value, e.revision) : this.kv.create(ORDER_KEY, value);
      if (await write(put) > 0) return next;
    }
    throw contended(ORDER_KEY);
  }
}

const contended = (key: string) =>
  new AdminError("INTERNAL_ERROR", `Cluster plugin record "${key}" kept changing; try again`);
