/**
 * The one validator of a plugin's own config, used when a plugin starts (boot or reload) and when
 * an operator submits a config at run time: the plugin's Avro schema checked with
 * {@linkcode validateAvro} (field paths, defaults filled, unknown keys refused), then the EMQX
 * `$ui` rules on its fields (`required`, `pattern`, `range`, `length`), so that what the dashboard
 * form promises the server enforces.
 *
 * @module
 */

import { type AvroIssue, validateAvro } from "../../schema/mod.ts";
import { uiIssues } from "./_ui_rules.ts";

/**
 * Validates `config` (merged over `defaults`) against `schema`; a null schema accepts any object.
 *
 * @example
 * ```ts
 * import { checkPluginConfig } from "./config_check.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = { type: "record", name: "C", fields: [
 *   { name: "prefix", type: "string", default: "a/", $ui: { rules: [{ type: "pattern", value: "[a-z/]+" }] } },
 * ] };
 * assert.deepEqual(checkPluginConfig(schema, {}, { prefix: "B" }).errors, [
 *   { path: "prefix", message: "must match [a-z/]+" },
 * ]);
 * assert.deepEqual(checkPluginConfig(schema, {}, {}).value, { prefix: "a/" });
 * ```
 */
export function checkPluginConfig(
  schema: Record<string, unknown> | null,
  defaults: Record<string, unknown>,
  config: Record<string, unknown>,
): { value: Record<string, unknown>; errors: AvroIssue[] } {
  const merged = { ...defaults, ...config };
  if (!schema) return { value: merged, errors: [] };
  const { value, errors } = validateAvro<Record<string, unknown>>(schema, merged);
  uiIssues(schema, value, "", errors);
  return { value, errors };
}

/**
 * The issues of {@linkcode checkPluginConfig} as one line: `path: what was expected`, joined by
 * `; `; an issue about the whole config is named `(config)`.
 *
 * @example
 * ```ts
 * import { describeConfigIssues } from "./config_check.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   describeConfigIssues([
 *     { path: "limits.max", message: '"lots" is not an integer' },
 *     { path: "", message: "42 is not an object" },
 *   ]),
 *   'limits.max: "lots" is not an integer; (config): 42 is not an object',
 * );
 * ```
 */
export function describeConfigIssues(issues: readonly AvroIssue[]): string {
  return issues.map((e) => `${e.path || "(config)"}: ${e.message}`).join("; ");
}

/**
 * {@linkcode checkPluginConfig} for a plugin about to start: the valid config, defaults filled.
 *
 * @throws {TypeError} `invalid config: <path>: <what was expected>; ...` when it is not valid.
 * @example
 * ```ts
 * import { resolveConfig } from "./config_check.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = { type: "record", name: "C", fields: [{ name: "n", type: "int", default: 3 }] };
 * assert.deepEqual(resolveConfig(schema, {}, {}), { n: 3 });
 * assert.throws(() => resolveConfig(schema, {}, { n: "x" }), {
 *   name: "TypeError",
 *   message: 'invalid config: n: "x" is not an integer',
 * });
 * ```
 */
export function resolveConfig(
  schema: Record<string, unknown> | null,
  defaults: Record<string, unknown>,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const { value, errors } = checkPluginConfig(schema, defaults, config);
  if (errors.length > 0) throw new TypeError(`invalid config: ${describeConfigIssues(errors)}`);
  return value;
}
