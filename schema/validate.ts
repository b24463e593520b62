/**
 * A generic validator for plain JSON values (for example parsed YAML) against an Avro schema:
 * used for the broker config and, later, for each plugin's own config.
 *
 * @module
 */

import avro from "avsc";
import { Walker } from "./_walker.ts";

/** An Avro schema in its JSON form: a type name, a union (array) or a schema object. */
export type AvroSchema = string | readonly AvroSchema[] | { readonly [key: string]: unknown };

/** One field that failed validation. */
export interface AvroIssue {
  /** Dotted field path, for example `listeners.ws.bind` or `auth.plugins[0]`; `""` is the top. */
  path: string;
  /** What is wrong, naming what was expected, for example `42 is not a string`. */
  message: string;
}

/** The outcome of {@linkcode validateAvro}. */
export interface AvroResult<T> {
  /** The input with defaults filled in (best effort when there are errors). */
  value: T;
  /** Every problem found; empty when the value is valid. */
  errors: AvroIssue[];
}

/** Options of {@linkcode validateAvro}. */
export interface ValidateOptions {
  /**
   * Maps a key of the input to a record field name before lookup, for example
   * `(k) => k.replaceAll("-", "_")` to accept aMQTT's dashed spelling. Map keys are not mapped.
   */
  fieldKey?: (key: string) => string;
  /**
   * Treat a `null` record field as missing (so it takes its default) when the field's type does
   * not accept null: YAML's `mqtt:` with nothing after it then means "all defaults".
   */
  nullAsMissing?: boolean;
}

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
 *
 * const type = compileAvro({ type: "enum", name: "Level", symbols: ["info", "debug"] });
 * if (type.typeName !== "enum") throw new Error("unexpected");
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
