/**
 * {@linkcode AvroValue}: the TypeScript type of the plain JSON value that `validateAvro` returns
 * for a schema declared `as const`. Config types are checked against it at compile time
 * (`server/config/types_test.ts`), so a field added to a schema and not to its type, or the
 * other way round, fails `deno check`.
 *
 * @module
 */

/** TypeScript types of Avro's primitive type names. */
interface Primitives {
  null: null;
  boolean: boolean;
  int: number;
  long: number;
  float: number;
  double: number;
  string: string;
  bytes: Uint8Array;
}

/** Every object node of a schema (records, enums, fields, unions' members...), as a union. */
type Nodes<S> = S extends readonly unknown[] ? Nodes<S[number]>
  : S extends object ?
      | S
      | Nodes<S extends { fields: infer F } ? F : never>
      | Nodes<S extends { type: infer T } ? T : never>
      | Nodes<S extends { values: infer V } ? V : never>
      | Nodes<S extends { items: infer I } ? I : never>
  : never;

/** The named type (record, enum, fixed) called `N` somewhere in `Root`. */
type Named<Root, N extends string> = Extract<
  Nodes<Root>,
  { name: N; type: "record" | "enum" | "fixed" }
>;

/** A record's fields as an object type, keyed by field name. */
type RecordValue<F, Root> = {
  -readonly [Field in F as Field extends { name: infer K extends string } ? K : never]: AvroValue<
    Field extends { type: infer T } ? T : never,
    Root
  >;
};

/**
 * The value type of an Avro schema given `as const`: primitives map to their JS types, enums to
 * their symbols, records to objects, maps to `Record<string, V>`, arrays to `V[]`, unions to
 * unions, named references to the named type. `logicalType: "json-object"` is
 * `Record<string, unknown>` and `"json"` is `unknown`, as `validateAvro` returns them parsed.
 *
 * @typeParam S The schema (or a part of it).
 * @typeParam Root The whole schema, where named references are looked up.
 * @example
 * ```ts
 * import type { AvroValue } from "./avro_value.ts";
 * import assert from "node:assert/strict";
 *
 * const schema = {
 *   type: "record",
 *   name: "Listener",
 *   fields: [
 *     { name: "type", type: { type: "enum", name: "Kind", symbols: ["tcp", "ws"] } },
 *     { name: "cert", type: ["null", "string"], default: null },
 *   ],
 * } as const;
 * const listener: AvroValue<typeof schema> = { type: "ws", cert: null };
 * assert.equal(listener.type, "ws");
 * ```
 */
export type AvroValue<S, Root = S> = S extends keyof Primitives ? Primitives[S]
  : S extends string ? AvroValue<Named<Root, S>, Root>
  : S extends readonly unknown[] ? AvroValue<S[number], Root>
  : S extends { logicalType: "json-object" } ? Record<string, unknown>
  : S extends { logicalType: "json" } ? unknown
  : S extends { type: "record"; fields: readonly unknown[] }
    ? RecordValue<S["fields"][number], Root>
  : S extends { type: "enum"; symbols: readonly string[] } ? S["symbols"][number]
  : S extends { type: "array"; items: infer I } ? AvroValue<I, Root>[]
  : S extends { type: "map"; values: infer V } ? Record<string, AvroValue<V, Root>>
  : S extends { type: infer T } ? AvroValue<T, Root>
  : unknown;
