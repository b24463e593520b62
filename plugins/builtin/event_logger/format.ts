/**
 * Turns events into log fields and lines, shared by `event_logger` and `packet_logger`:
 * payload bytes become their length (or text, when asked), clients their id and username.
 *
 * @module
 */

import type { PluginContext } from "../../sdk/mod.ts";

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
 * import { plain } from "./format.ts";
 * console.log(plain({ topic: "a", payload: new Uint8Array([104, 105]) }, true));
 * // { topic: "a", payload: "hi" }
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
