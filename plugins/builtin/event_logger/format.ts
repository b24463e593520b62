/**
 * Turns events into log fields and lines, shared by `event_logger` and `packet_logger`:
 * payload bytes become their length (or text, when asked), clients their id and username.
 *
 * @module
 */

import type { AvroSchema, PluginContext } from "../../sdk/mod.ts";

/** Where a logger plugin writes: the broker log (`ctx.log`) or its own stdout lines. */
export interface OutputConfig {
  /** Level of every line. */
  level: "debug" | "info" | "warn" | "error";
  /** `log` = the broker's log (its level and format apply); `stdout` = own lines. */
  output: "log" | "stdout";
  /** Line format for `output: stdout`. */
  format: "text" | "json";
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A JSON-safe copy of `value`: byte arrays become `{bytes: n}` (or their UTF-8 text when
 * `payloads` is set and they decode), nested objects are copied to a small depth.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plain } from "./format.ts";
 * const payload = new Uint8Array([104, 105]);
 * assert.deepEqual(plain({ topic: "a", payload }, true), { topic: "a", payload: "hi" });
 * assert.deepEqual(plain({ topic: "a", payload }), { topic: "a", payload: { bytes: 2 } });
 * ```
 */
export function plain(value: unknown, payloads = false, depth = 0): unknown {
  if (value instanceof Uint8Array) {
    if (payloads) {
      try {
        return decoder.decode(value);
      } catch { /* binary: length only */ }
    }
    return { bytes: value.length };
  }
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" ? String(value) : value;
  }
  if (depth > 4) return "[...]";
  if (Array.isArray(value)) return value.map((v) => plain(v, payloads, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = plain(v, payloads, depth + 1);
  }
  return out;
}

/**
 * Writes one event line.
 *
 * @example
 * ```ts ignore
 * emit(ctx, "client.connected", { clientId: "c1" });
 * ```
 */
export function emit(
  ctx: PluginContext<OutputConfig>,
  msg: string,
  fields: Record<string, unknown>,
): void {
  const { level, output, format } = ctx.config;
  if (output === "log") {
    ctx.log[level](msg, fields);
    return;
  }
  const time = new Date().toISOString();
  if (format === "json") {
    console.log(JSON.stringify({ time, level, plugin: ctx.alias, msg, ...fields }));
    return;
  }
  const extra = Object.entries(fields).map(([k, v]) =>
    `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
  );
  console.log(`${time} ${level.toUpperCase()} [${ctx.alias}] ${msg} ${extra.join(" ")}`.trimEnd());
}

/** What a logger plugin's config holds besides its {@linkcode OutputConfig}. */
export interface LoggerFilters {
  /** Log payloads as text (when UTF-8) instead of their length. */
  payloads: boolean;
}

/**
 * The `config` section of a logger plugin whose config is `C`: the {@linkcode OutputConfig}
 * fields (at `level` by default), the list `filter` of names to log (empty = all) and `payloads`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { loggerConfig, type OutputConfig } from "./format.ts";
 * type Config = OutputConfig & { topics: string[]; payloads: boolean };
 * const { defaults } = loggerConfig<Config>("TopicLoggerConfig", "info", "topics");
 * deepStrictEqual(defaults, {
 *   level: "info",
 *   output: "log",
 *   format: "text",
 *   topics: [],
 *   payloads: false,
 * });
 * ```
 */
export function loggerConfig<C extends OutputConfig & LoggerFilters>(
  schemaName: string,
  level: OutputConfig["level"],
  filter: Exclude<keyof C, keyof OutputConfig | keyof LoggerFilters> & string,
): { schema: AvroSchema; defaults: C } {
  const fields = [
    ...outputFields(level),
    { name: filter, type: { type: "array", items: "string" }, default: [] },
    { name: "payloads", type: "boolean", default: false },
  ];
  const defaults = { level, output: "log", format: "text", [filter]: [], payloads: false };
  return {
    schema: { type: "record", name: schemaName, fields },
    defaults: defaults as unknown as C,
  };
}

/** Avro fields of {@linkcode OutputConfig}, for a plugin's config schema. */
export function outputFields(level: OutputConfig["level"]): Record<string, unknown>[] {
  return [
    {
      name: "level",
      type: { type: "enum", name: "Level", symbols: ["debug", "info", "warn", "error"] },
      default: level,
    },
    {
      name: "output",
      type: { type: "enum", name: "Output", symbols: ["log", "stdout"] },
      default: "log",
    },
    {
      name: "format",
      type: { type: "enum", name: "Format", symbols: ["text", "json"] },
      default: "text",
    },
  ];
}
