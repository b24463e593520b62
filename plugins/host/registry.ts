/**
 * What the operator did to plugins at run time, kept across restarts:
 * `<data_dir>/plugins/state.json` (installed set, order, enabled, grants, configs) and the config
 * history `<data_dir>/plugins/<alias>/config.<n>.json` (the last {@linkcode CONFIG_HISTORY} kept).
 *
 * Merge with the YAML `plugins:` map: an alias recorded in state.json takes its recorded entry
 * (runtime changes win); YAML aliases not recorded are added after the recorded ones, in YAML
 * order; a recorded YAML plugin that the file no longer names is dropped.
 *
 * @module
 */

import { join } from "node:path";
import type { Manifest } from "./manifest.ts";
import type { PluginEntryInput } from "./host.ts";
import { AdminError } from "./admin_errors.ts";
import type { FilePins } from "./pins.ts";

/** Config versions kept per plugin. */
export const CONFIG_HISTORY = 10;

/** One plugin the registry knows. */
export interface PluginRecord {
  alias: string;
  /** `config`: from the YAML `plugins:` map; `install`: installed at run time. */
  origin: "config" | "install";
  entry: PluginEntryInput;
  /**
   * The unpacked package, when installed from one; `files` pins every file written at install
   * (checked before each start, see pins.ts).
   */
  package: { name: string; version: string; dir: string; files?: FilePins } | null;
  /** The package's `config_schema.avsc` (wins over the module's own schema). */
  schema: Record<string, unknown> | null;
  /** The package's `config_i18n.json`. */
  i18n: Record<string, Record<string, string>> | null;
  /** Last manifest seen (probe or start), so stopped plugins can be described. */
  manifest: Manifest | null;
  /** Config version number of `entry.config` (0 before the first change). */
  configVersion: number;
}

/** Where a plugin moves: `front`, `rear`, `before:<alias>`, `after:<alias>`. */
export type Position = "front" | "rear" | `before:${string}` | `after:${string}`;

interface StateFile {
  version: 1;
  plugins: PluginRecord[];
}

/**
 * The ordered set of plugin records.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Registry } from "./registry.ts";
 * const r = await Registry.open(null, { a: { source: "./a.ts" }, b: { source: "./b.ts" } });
 * r.move("b", "front");
 * assert.deepEqual(r.list().map((p) => p.alias), ["b", "a"]);
 * ```
 */
export class Registry {
  #records: PluginRecord[];
  #dir: string | null;
  #saving: Promise<void> = Promise.resolve();

  private constructor(dir: string | null, records: PluginRecord[]) {
    this.#dir = dir;
    this.#records = records;
  }

  /** Reads `<dataDir>/plugins/state.json` (if any) and merges the YAML map into it. */
  static async open(
    dataDir: string | null,
    yaml: Record<string, PluginEntryInput>,
  ): Promise<Registry> {
    const dir = dataDir === null ? null : join(dataDir, "plugins");
    let saved: PluginRecord[] = [];
    if (dir) {
      try {
        saved = (JSON.parse(await Deno.readTextFile(join(dir, "state.json"))) as StateFile).plugins;
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
    const records = saved.filter((r) => r.origin === "install" || Object.hasOwn(yaml, r.alias));
    for (const [alias, entry] of Object.entries(yaml)) {
      if (records.some((r) => r.alias === alias)) continue;
      records.push({
        alias,
        origin: "config",
        entry: { ...entry },
        package: null,
        schema: null,
        i18n: null,
        manifest: null,
        configVersion: 0,
      });
    }
    return new Registry(dir, records);
  }

  /** `<data_dir>/plugins`, null when nothing is persisted. */
  get dir(): string | null {
    return this.#dir;
  }

  /** Every record, in plugin order. */
  list(): PluginRecord[] {
    return [...this.#records];
  }

  /** One record; throws NOT_FOUND. */
  get(alias: string): PluginRecord {
    const r = this.#records.find((x) => x.alias === alias);
    if (!r) throw new AdminError("NOT_FOUND", `No plugin "${alias}"`);
    return r;
  }

  has(alias: string): boolean {
    return this.#records.some((x) => x.alias === alias);
  }

  /** Adds (at the rear) or replaces a record. */
  put(record: PluginRecord): void {
    const at = this.#records.findIndex((x) => x.alias === record.alias);
    if (at >= 0) this.#records[at] = record;
    else this.#records.push(record);
  }

  remove(alias: string): void {
    this.#records = this.#records.filter((x) => x.alias !== alias);
  }

  /** Moves a record; throws BAD_POSITION for an unknown form or alias. */
  move(alias: string, position: string): void {
    const record = this.get(alias);
    const rest = this.#records.filter((x) => x !== record);
    const m = /^(before|after):(.+)$/.exec(position);
    let at: number;
    if (position === "front") at = 0;
    else if (position === "rear") at = rest.length;
    else if (m) {
      const i = rest.findIndex((x) => x.alias === m[2]);
      if (i < 0) throw new AdminError("BAD_POSITION", `No plugin "${m[2]}" to move ${m[1]}`);
      at = m[1] === "before" ? i : i + 1;
    } else {
      throw new AdminError(
        "BAD_POSITION",
        `Position "${position}" is not front, rear, before:<alias> or after:<alias>`,
      );
    }
    rest.splice(at, 0, record);
    this.#records = rest;
  }

  /** Writes state.json (atomic rename; writes are serialized). */
  save(): Promise<void> {
    const dir = this.#dir;
    if (!dir) return Promise.resolve();
    const text = JSON.stringify(
      { version: 1, plugins: this.#records } satisfies StateFile,
      null,
      2,
    );
    this.#saving = this.#saving.then(async () => {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "state.json.tmp"), text);
      await Deno.rename(join(dir, "state.json.tmp"), join(dir, "state.json"));
    });
    return this.#saving;
  }

  /** Records a new config version for `alias` and prunes the history to the last ten. */
  async saveConfig(alias: string, config: Record<string, unknown>): Promise<number> {
    const record = this.get(alias);
    record.configVersion += 1;
    record.entry = { ...record.entry, config };
    if (this.#dir) {
      const dir = join(this.#dir, alias);
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(
        join(dir, `config.${record.configVersion}.json`),
        JSON.stringify(config, null, 2),
      );
      const old = record.configVersion - CONFIG_HISTORY;
      if (old > 0) await Deno.remove(join(dir, `config.${old}.json`)).catch(() => {});
    }
    await this.save();
    return record.configVersion;
  }

  /** Config versions on disk for `alias`, newest first. */
  async configHistory(alias: string): Promise<number[]> {
    if (!this.#dir) return [];
    const out: number[] = [];
    try {
      for await (const e of Deno.readDir(join(this.#dir, alias))) {
        const m = /^config\.(\d+)\.json$/.exec(e.name);
        if (m) out.push(Number(m[1]));
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out.sort((a, b) => b - a);
  }
}
