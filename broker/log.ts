/**
 * A small structured logger: text or JSON lines on stderr, filtered by level.
 *
 * @module
 */

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra structured fields attached to a line. */
export type LogFields = Record<string, unknown>;

/** The logging surface every part of the broker (and the plugin host) uses. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Where log lines go; stderr by default, an array in tests. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();
const stderrSink: LogSink = (line) => {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed: nothing useful left to do
  }
};

/**
 * Creates a logger.
 *
 * @example
 * ```ts
 * import { createLogger } from "./log.ts";
 * const lines: string[] = [];
 * const log = createLogger({ level: "info", format: "json", sink: (l) => lines.push(l) });
 * log.info("Listening", { listener: "default" });
 * log.debug("Hidden");
 * console.assert(lines.length === 1 && JSON.parse(lines[0]).listener === "default");
 * ```
 */
export function createLogger(
  opts: { level?: LogLevel; format?: "text" | "json"; sink?: LogSink; fields?: LogFields } = {},
): Logger {
  const min = RANK[opts.level ?? "info"];
  const sink = opts.sink ?? stderrSink;
  const base = opts.fields ?? {};
  const json = opts.format === "json";
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const all = { ...base, ...fields };
    const time = new Date().toISOString();
    if (json) {
      sink(JSON.stringify({ time, level, msg, ...all }, jsonSafe));
      return;
    }
    const extra = Object.entries(all).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
    sink(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? " " + extra : ""}`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === "bigint") return value.toString();
  return value;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "string") return /^[\w.:/@-]*$/.test(v) && v !== "" ? v : JSON.stringify(v);
  return JSON.stringify(v, jsonSafe) ?? String(v);
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ level: "error", sink: () => {} });
