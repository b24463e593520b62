/**
 * Avro schemas of Aviary and the validator that checks plain JSON (parsed YAML) against them.
 *
 * - {@linkcode validateAvro}: validate, fill defaults, collect every error with its field path.
 * - {@linkcode compileAvro}: the avsc `Type` of a schema, with Aviary's logical types.
 * - {@linkcode BROKER_SCHEMA}: the broker config schema (also published as `broker.avsc`).
 * - {@linkcode AvroValue}: the TypeScript type of a validated value, read from a schema.
 *
 * @example
 * ```ts
 * import { BROKER_SCHEMA, validateAvro } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const { errors } = validateAvro(BROKER_SCHEMA, { log: { level: "loud" } });
 * assert.deepEqual(errors, [
 *   { path: "log.level", message: '"loud" is not one of debug, info, warn, error' },
 * ]);
 * ```
 *
 * @module
 */

export { compileAvro, validateAvro } from "./validate.ts";
export type { AvroIssue, AvroResult, AvroSchema, ValidateOptions } from "./types.ts";
export type { AvroValue } from "./avro_value.ts";
export { BROKER_SCHEMA } from "./broker_schema.ts";
