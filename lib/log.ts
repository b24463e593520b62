/**
 * A small structured logger: text or JSON lines on stderr, filtered by level.
 *
 * Every line is one line whatever the caller passes: control characters (C0, C1, U+2028/2029) are
 * escaped, `time`/`level`/`msg` cannot be overridden by fields (a field with such a key is written
 * as `_time`, `_level`, `_msg`), values that JSON cannot hold (cycles, BigInt, errors, functions)
 * are stringified without throwing, and a line is at most {@linkcode LOG_LINE_MAX} characters:
 * a long message or field is cut with a `[truncated …]` marker and fields past the limit are
 * dropped and counted in `truncated_fields`.
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

/** Longest line written, in UTF-16 code units (the escaped text, without the newline). */
export const LOG_LINE_MAX = 8192;
/** Longest message kept before escaping; longer ones are cut with a marker. */
const MSG_MAX = 4096;
/** Longest key written, escaped. */
const KEY_MAX = 128;
/** Longest serialized field value; longer ones become a cut string with a marker. */
const FIELD_MAX = 2048;
/** Most fields (and array items, object keys) looked at. */
const ITEMS_MAX = 64;
/** Deepest nesting serialized; deeper values become `"[…]"`. */
const DEPTH_MAX = 6;
/** Keys that are the line's own; a field with one of these names gets a `_` prefix. */
export const RESERVED_LOG_KEYS: readonly string[] = ["time", "level", "msg"];

// deno-lint-ignore no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

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
 * log.info("Listening\nforged", { listener: "default", level: "error" });
 * log.debug("Hidden");
 * const line = JSON.parse(lines[0]);
 * if (lines.length !== 1 || line.level !== "info" || line._level !== "error") throw new Error();
 * ```
 */
export function createLogger(
  opts: { level?: LogLevel; format?: "text" | "json"; sink?: LogSink; fields?: LogFields } = {},
): Logger {
  const min = RANK[opts.level ?? "info"];
  const sink = opts.sink ?? stderrSink;
  const base = opts.fields ?? {};
  const render = opts.format === "json" ? renderJson : renderText;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const all = { ...base, ...guardFields(fields, RESERVED_LOG_KEYS) };
    sink(render(new Date().toISOString(), level, safeString(msg), all));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...guardFields(fields, []) } }),
  };
}

/**
 * A plain copy of untrusted `fields` (at most 64 keys) in which every key of `reserved` is
 * renamed with a `_` prefix. Anything that is not a plain object becomes `{ fields: value }`.
 *
 * @example
 * ```ts
 * import { guardFields } from "./log.ts";
 * const f = guardFields({ plugin: "other", n: 1 }, ["plugin"]);
 * if (f._plugin !== "other" || "plugin" in f || f.n !== 1) throw new Error("not guarded");
 * ```
 */
export function guardFields(fields: unknown, reserved: readonly string[]): LogFields {
  if (fields === undefined || fields === null) return {};
  if (typeof fields !== "object" || Array.isArray(fields)) return { fields };
  const out: LogFields = {};
  try {
    let n = 0;
    for (const key of Object.keys(fields)) {
      if (n++ >= ITEMS_MAX) {
        out.truncated_fields = Object.keys(fields).length - ITEMS_MAX;
        break;
      }
      let name = key;
      while (reserved.includes(name) || (name !== key && Object.hasOwn(fields, name))) {
        name = `_${name}`;
      }
      out[name] = (fields as LogFields)[key];
    }
  } catch {
    out.fields = "[unreadable fields]";
  }
  return out;
}

function renderJson(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  const head = `{"time":${jsonText(time)},"level":${jsonText(level)},"msg":${
    fit(msg, MSG_MAX, jsonText)
  }`;
  const part = (k: string, v: string) => `,${fit(k, KEY_MAX, jsonText)}:${v}`;
  return assemble(head, fields, part, (n) => `,"truncated_fields":${n}`) + "}";
}

function renderText(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  const head = `${time} ${level.toUpperCase().padEnd(5)} ${fit(msg, MSG_MAX, escapeControls)}`;
  const part = (k: string, v: string) => ` ${fit(k, KEY_MAX, escapeControls)}=${textValue(v)}`;
  return assemble(head, fields, part, (n) => ` truncated_fields=${n}`);
}

/** `head` plus as many fields as fit in LOG_LINE_MAX (values serialized, capped), then a count. */
function assemble(
  head: string,
  fields: LogFields,
  part: (key: string, json: string) => string,
  dropped: (n: number) => string,
): string {
  const budget = LOG_LINE_MAX - 40; // room for the closing brace and the dropped-fields count
  let line = head;
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  for (let i = 0; i < entries.length; i++) {
    const next = part(entries[i][0], fieldJson(entries[i][1]));
    if (line.length + next.length > budget) return line + dropped(entries.length - i);
    line += next;
  }
  return line;
}

/** One field value as JSON text, at most FIELD_MAX characters (else a cut JSON string). */
function fieldJson(value: unknown): string {
  let text: string;
  try {
    text = jsonText(loggable(value, 0, []));
  } catch {
    text = jsonText("[unserializable]");
  }
  return text.length <= FIELD_MAX ? text : fit(text, FIELD_MAX, jsonText);
}

/**
 * `escape(s)`, with `s` cut (and marked) until the escaped text is at most about `max`
 * characters: escaping may multiply the length by six, so cut the raw text, not the escaped one.
 */
function fit(s: string, max: number, escape: (s: string) => string): string {
  let n = Math.min(s.length, max);
  for (;;) {
    const text = escape(clip(s, n));
    if (text.length <= max + 40 || n === 0) return text;
    n = Math.max(0, Math.floor((n * max) / text.length) - 1);
  }
}

/** In text lines, simple strings stay bare; everything else is its JSON text. */
function textValue(json: string): string {
  if (json.startsWith('"')) {
    const s = JSON.parse(json) as string;
    if (/^[\w.:/@-]+$/.test(s)) return s;
  }
  return json;
}

/** JSON text with C1 controls and U+2028/2029 escaped too (JSON.stringify leaves them raw). */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, unicodeEscape);
}

function escapeControls(s: string): string {
  return s.replace(CONTROL_CHARS, (c) => ESCAPES[c] ?? unicodeEscape(c));
}

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `s` cut to `max` characters (never inside a surrogate pair) with a marker saying how much. */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…[truncated ${s.length - end} chars]`;
}

function safeString(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    return "[unprintable message]";
  }
}

/** A JSON-safe copy of `value`: bounded depth and width, cycles and odd types made strings. */
function loggable(value: unknown, depth: number, parents: object[]): unknown {
  switch (typeof value) {
    case "string":
      return value.length > FIELD_MAX ? value.slice(0, FIELD_MAX + 1) : value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
      return null;
    case "function":
      return `[function ${value.name || "anonymous"}]`;
    case "symbol":
      return value.toString();
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Error) return obj.message;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
  if (parents.includes(obj)) return "[circular]";
  if (depth >= DEPTH_MAX) return "[…]";
  const inner = (v: unknown) => loggable(v, depth + 1, [...parents, obj]);
  if (Array.isArray(obj)) return obj.slice(0, ITEMS_MAX).map(inner);
  if (obj instanceof Map || obj instanceof Set) return `[${obj.constructor.name} ${obj.size}]`;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).slice(0, ITEMS_MAX)) {
    out[key] = inner((obj as Record<string, unknown>)[key]);
  }
  return out;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ level: "error", sink: () => {} });
