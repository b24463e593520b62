/**
 * Typed errors of config loading.
 *
 * @module
 */

/** One problem in a config: the field path and what was expected. */
export interface ConfigIssue {
  /** Dotted field path such as `listeners.default.bind`; `""` for the whole file. */
  path: string;
  /** What is wrong, for example `42 is not a string`. */
  message: string;
}

/** Options of {@linkcode ConfigError}. */
export interface ConfigErrorOptions extends ErrorOptions {
  /** First words of the message; `Invalid config` unless told. */
  headline?: string;
  /** Where in the file, put after the file name, for example `at line 3, column 7`. */
  where?: string;
}

/**
 * A config that cannot be used: every problem found, each with its field path.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ConfigError("aviary.yaml", [
 *   { path: "listeners.default.bind", message: "42 is not a string" },
 *   { path: "mqtt.colour", message: "unknown key" },
 * ]);
 * assert.equal(
 *   error.message,
 *   "Invalid config aviary.yaml: listeners.default.bind: 42 is not a string; mqtt.colour: unknown key",
 * );
 * assert.equal(error.path, "listeners.default.bind");
 * ```
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The config file, or a label such as `(built-in default)` or `(command line)`. */
  readonly file: string;
  /** Path of the first issue; `""` when the whole file is at fault. */
  readonly path: string;
  /** Every problem found, in document order. */
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[], options: ConfigErrorOptions = {}) {
    const { headline = "Invalid config", where, ...errorOptions } = options;
    const list = issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`));
    const place = where === undefined ? file : `${file} ${where}`;
    super(`${headline} ${place}: ${list.join("; ")}`, errorOptions);
    this.file = file;
    this.path = issues[0]?.path ?? "";
    this.issues = issues;
  }
}

/**
 * A config file that is not valid YAML, with the line and column (1-based) of the problem.
 *
 * @example
 * ```ts
 * import { ConfigSyntaxError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ConfigSyntaxError("aviary.yaml", 3, 7, "Unexpected flow-map-end token");
 * assert.equal(
 *   error.message,
 *   "Cannot parse config aviary.yaml at line 3, column 7: Unexpected flow-map-end token",
 * );
 * ```
 */
export class ConfigSyntaxError extends ConfigError {
  override name = "ConfigSyntaxError";
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column of the problem. */
  readonly column: number;

  constructor(file: string, line: number, column: number, reason: string, options?: ErrorOptions) {
    super(file, [{ path: "", message: reason }], {
      ...options,
      headline: "Cannot parse config",
      where: `at line ${line}, column ${column}`,
    });
    this.line = line;
    this.column = column;
  }
}
