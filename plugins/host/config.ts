/**
 * Validates a plugin's config against its Avro schema (npm:avsc), host-side.
 *
 * @module
 */

import avro from "avsc";
import type { AvroSchema } from "../sdk/plugin.ts";

/**
 * Merges `defaults`, the schema's own field defaults and the operator's `config`, then validates
 * the result. Throws a TypeError naming each bad field path: `config field "limits.max": ...`.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const schema = { type: "record", name: "C", fields: [{ name: "n", type: "int", default: 3 }] };
 * console.log(resolveConfig(schema, {}, {})); // { n: 3 }
 * ```
 */
export function resolveConfig(
  schema: AvroSchema | null,
  defaults: Record<string, unknown>,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults, ...config };
  if (!schema) return merged;
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(schema as avro.Schema);
  } catch (err) {
    throw new TypeError(`invalid config schema: ${(err as Error).message}`);
  }
  const fields = (schema as { fields?: { name: string; default?: unknown }[] }).fields ?? [];
  for (const f of fields) {
    if (!(f.name in merged) && "default" in f) merged[f.name] = structuredClone(f.default);
  }
  const problems: string[] = [];
  type.isValid(merged, {
    errorHook: (path: string[], value: unknown, t: avro.Type) => {
      const got = value === undefined ? "nothing" : JSON.stringify(value);
      problems.push(`config field "${path.join(".")}": expected ${t.typeName}, got ${got}`);
    },
  });
  if (problems.length > 0) throw new TypeError(problems.join("; "));
  const known = new Set(fields.map((f) => f.name));
  const unknown = Object.keys(merged).filter((k) => fields.length > 0 && !known.has(k));
  if (unknown.length > 0) throw new TypeError(`unknown config field(s): ${unknown.join(", ")}`);
  return merged;
}
