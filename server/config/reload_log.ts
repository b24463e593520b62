/**
 * Loggers a config reload can change while the broker runs: {@linkcode switchableLogger} takes a
 * new `log.level` and `log.format` (every child made from it follows), and
 * {@linkcode gatedLogger} writes only while a condition holds (`log.connections`).
 *
 * @module
 */
import { createLogger, type LogFields, type Logger, type LogSink } from "../../lib/log.ts";
import type { LogConfig } from "./types.ts";

/** A logger whose level and format can be changed; children follow the change. */
export interface SwitchableLogger extends Logger {
  /** Uses `log.level` and `log.format` from now on, for this logger and every child. */
  configure(log: Pick<LogConfig, "level" | "format">): void;
}

interface State {
  inner: Logger;
  generation: number;
}

function view(state: State, fields: LogFields): Logger {
  let generation = -1;
  let current = state.inner;
  const get = () => {
    if (generation !== state.generation) {
      current = Object.keys(fields).length > 0 ? state.inner.child(fields) : state.inner;
      generation = state.generation;
    }
    return current;
  };
  return {
    debug: (m, f) => get().debug(m, f),
    info: (m, f) => get().info(m, f),
    warn: (m, f) => get().warn(m, f),
    error: (m, f) => get().error(m, f),
    child: (more) => view(state, { ...fields, ...more }),
  };
}

/**
 * A logger for `log` whose level and format {@linkcode SwitchableLogger.configure} changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { switchableLogger } from "./reload_log.ts";
 * const lines: string[] = [];
 * const log = switchableLogger({ level: "info", format: "text" }, (l) => lines.push(l));
 * const child = log.child({ component: "x" });
 * child.debug("hidden");
 * log.configure({ level: "debug", format: "json" });
 * child.debug("shown");
 * assert.equal(lines.length, 1);
 * assert.equal(JSON.parse(lines[0]).component, "x");
 * ```
 */
export function switchableLogger(
  log: Pick<LogConfig, "level" | "format">,
  sink?: LogSink,
): SwitchableLogger {
  const state: State = { inner: createLogger({ ...log, sink }), generation: 0 };
  return {
    ...view(state, {}),
    configure: (next) => {
      state.inner = createLogger({ level: next.level, format: next.format, sink });
      state.generation++;
    },
  };
}

/**
 * `log`, writing only while `open()` is true (checked at each line).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "../../lib/log.ts";
 * import { gatedLogger } from "./reload_log.ts";
 * const lines: string[] = [];
 * const cfg = { connections: false };
 * const log = gatedLogger(createLogger({ sink: (l) => lines.push(l) }), () => cfg.connections);
 * log.info("dropped");
 * cfg.connections = true;
 * log.info("kept");
 * assert.equal(lines.length, 1);
 * ```
 */
export function gatedLogger(log: Logger, open: () => boolean): Logger {
  return {
    debug: (m, f) => open() && log.debug(m, f),
    info: (m, f) => open() && log.info(m, f),
    warn: (m, f) => open() && log.warn(m, f),
    error: (m, f) => open() && log.error(m, f),
    child: (fields) => gatedLogger(log.child(fields), open),
  };
}
