// Private helpers of validate.ts: how types and values read in error messages.

import type avro from "avsc";

const SIMPLE: Record<string, string> = {
  null: "null",
  boolean: "a boolean",
  int: "an integer",
  long: "an integer",
  float: "a number",
  double: "a number",
  string: "a string",
  bytes: "a byte string",
  fixed: "a byte string",
  record: "an object",
  error: "an object",
  map: "an object",
  array: "a list",
  "logical:json": "a JSON value",
  "logical:json-object": "an object",
};

/** Reads a type as a noun phrase: `a string`, `one of tcp, tls`, `null or a string`. */
export function describeType(type: avro.Type): string {
  const name = type.typeName;
  if (name === "enum") return `one of ${(type as avro.types.EnumType).symbols.join(", ")}`;
  if (name.startsWith("union:")) {
    return (type as avro.types.UnwrappedUnionType).types.map(describeType).join(" or ");
  }
  if (name in SIMPLE) return SIMPLE[name];
  if (name.startsWith("logical:")) {
    return describeType((type as avro.types.LogicalType).underlyingType);
  }
  return name;
}

/** Shows a value in a message: JSON, cut after 40 characters. */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** Whether a value is a plain object (not null, not an array, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `a` + `b` -> `a.b`; the top level is `""`. */
export function joinPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** `, did you mean "x"?` when a known name is at most two edits away, else `""`. */
export function didYouMean(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best === undefined ? "" : `, did you mean "${best}"?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}
