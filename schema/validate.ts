/**
 * A generic validator for plain JSON values (for example parsed YAML) against an Avro schema:
 * used for the broker config and, later, for each plugin's own config.
 *
 * @module
 */

import avro from "avsc";
import { Walker } from "./_walker.ts";
import type { AvroResult, AvroSchema, ValidateOptions } from "./types.ts";

export type { AvroIssue, AvroResult, AvroSchema, ValidateOptions } from "./types.ts";

/** Logical type for a free JSON value, stored as JSON text. */
class JsonType extends avro.types.LogicalType {
  protected override _fromValue(val: unknown): unknown {
    return JSON.parse(String(val));
  }
  protected override _toValue(val: unknown): unknown {
    return JSON.stringify(val);
  }
}

const compiled = new WeakMap<object, avro.Type>();

/**
 * Compiles an Avro schema with the logical types the validator knows (`json`, `json-object`).
 * Results are cached per schema object.
 *
 * @throws {TypeError} when the schema is not valid Avro.
 * @example
 * ```ts
 * import { compileAvro } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const type = compileAvro({ type: "enum", name: "Level", symbols: ["info", "debug"] });
 * assert.equal(type.typeName, "enum");
 * ```
 */
export function compileAvro(schema: AvroSchema): avro.Type {
  const key = typeof schema === "object" ? schema : undefined;
  const cached = key && compiled.get(key);
  if (cached) return cached;
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(schema as avro.Schema, {
      logicalTypes: { "json": JsonType, "json-object": JsonType },
      wrapUnions: "auto",
    });
  } catch (error) {
    throw new TypeError(`Invalid Avro schema: ${(error as Error).message}`, { cause: error });
  }
  if (key) compiled.set(key, type);
  return type;
}

/**
 * Validates a plain JSON value against an Avro schema, fills in defaults (also inside records
 * nested in maps and arrays) and collects every error with its field path.
 *
 * The input is plain JSON, not Avro's JSON encoding: a `["null", "string"]` field is given as
 * `"x"`, not `{"string": "x"}`. Unknown record keys are errors. The first union branch that
 * accepts the value wins. A field with
 * `"logicalType": "json"` accepts any JSON value and `"logicalType": "json-object"` any JSON
 * object; their content is not checked (a plugin's `config` is validated by the plugin's schema).
 *
 * @example Fill defaults and report errors
 * ```ts
 * import { validateAvro } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = {
 *   type: "record",
 *   name: "Listener",
 *   fields: [
 *     { name: "bind", type: "string" },
 *     { name: "path", type: "string", default: "/mqtt" },
 *   ],
 * };
 * assert.deepEqual(validateAvro(schema, { bind: ":1883" }).value, { bind: ":1883", path: "/mqtt" });
 * assert.deepEqual(validateAvro(schema, { bind: 42 }).errors, [
 *   { path: "bind", message: "42 is not a string" },
 * ]);
 * ```
 */
export function validateAvro<T = unknown>(
  schema: AvroSchema,
  value: unknown,
  options: ValidateOptions = {},
): AvroResult<T> {
  const walker = new Walker(options);
  const result = walker.walk(compileAvro(schema), value, "");
  return { value: result as T, errors: walker.errors };
}
