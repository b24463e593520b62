// Private engine of validate.ts: walks a value along an avsc Type, filling defaults and
// collecting errors.

import avro from "avsc";
import { describeType, didYouMean, isPlainObject, joinPath, show } from "./_describe.ts";
import type { AvroIssue, ValidateOptions } from "./types.ts";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** One validation run: `walk()` returns the value with defaults, `errors` collects problems. */
export class Walker {
  readonly errors: AvroIssue[] = [];
  readonly #options: ValidateOptions;
  readonly #fieldKey: (key: string) => string;

  constructor(options: ValidateOptions) {
    this.#options = options;
    this.#fieldKey = options.fieldKey ?? ((k) => k);
  }

  walk(type: avro.Type, value: unknown, path: string): unknown {
    const name = type.typeName;
    switch (name) {
      case "record":
      case "error":
        return this.#record(type as avro.types.RecordType, value, path);
      case "map":
        return this.#map(type as avro.types.MapType, value, path);
      case "array":
        return this.#array(type as avro.types.ArrayType, value, path);
      case "union:unwrapped":
      case "union:wrapped":
        return this.#union(type as avro.types.UnwrappedUnionType, value, path);
      case "int":
      case "long":
        return this.#integer(type, value, path);
      case "enum":
        return this.#check(
          type,
          value,
          path,
          (type as avro.types.EnumType).symbols.includes(value as string),
        );
      case "logical:json":
        return this.#check(type, value, path, isJson(value));
      case "logical:json-object":
        return this.#check(type, value, path, isPlainObject(value) && isJson(value));
    }
    if (name.startsWith("logical:")) {
      return this.walk((type as avro.types.LogicalType).underlyingType, value, path);
    }
    return this.#check(type, value, path, type.isValid(value));
  }

  #fail(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  #check(type: avro.Type, value: unknown, path: string, ok: boolean): unknown {
    if (!ok) this.#fail(path, `${show(value)} is not ${describeType(type)}`);
    return value;
  }

  #integer(type: avro.Type, value: unknown, path: string): unknown {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return this.#check(type, value, path, false);
    }
    if (type.typeName === "int" && (value < INT_MIN || value > INT_MAX)) {
      this.#fail(path, `${value} is out of range (${INT_MIN} to ${INT_MAX})`);
    } else if (!Number.isSafeInteger(value)) {
      this.#fail(path, `${value} is out of range (not a safe integer)`);
    }
    return value;
  }

  #record(type: avro.types.RecordType, value: unknown, path: string): unknown {
    if (!isPlainObject(value)) return this.#check(type, value, path, false);
    const given = this.#recordKeys(type, value, path);
    const out: Record<string, unknown> = {};
    for (const field of type.fields) {
      const fieldPath = joinPath(path, field.name);
      let v = given.get(field.name);
      if (v === null && this.#options.nullAsMissing && !acceptsNull(field.type)) v = undefined;
      if (v !== undefined) {
        out[field.name] = this.walk(field.type, v, fieldPath);
        continue;
      }
      const fallback = field.defaultValue();
      if (fallback === undefined) {
        this.#fail(fieldPath, `missing required key (${describeType(field.type)})`);
      } else {
        out[field.name] = this.walk(field.type, toPlain(fallback), fieldPath);
      }
    }
    return out;
  }

  /** The input's values by field name; reports unknown and doubly spelled keys. */
  #recordKeys(type: avro.types.RecordType, value: Record<string, unknown>, path: string) {
    const names = type.fields.map((f) => f.name);
    const given = new Map<string, unknown>();
    const spelled = new Map<string, string>();
    for (const [key, v] of Object.entries(value)) {
      const name = this.#fieldKey(key);
      if (!names.includes(name)) {
        this.#fail(joinPath(path, key), `unknown key${didYouMean(name, names)}`);
      } else if (spelled.has(name)) {
        this.#fail(joinPath(path, key), `duplicate of key "${spelled.get(name)}"`);
      } else {
        given.set(name, v);
        spelled.set(name, key);
      }
    }
    return given;
  }

  #map(type: avro.types.MapType, value: unknown, path: string): unknown {
    if (!isPlainObject(value)) return this.#check(type, value, path, false);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = this.walk(type.valuesType, v, joinPath(path, key));
    }
    return out;
  }

  #array(type: avro.types.ArrayType, value: unknown, path: string): unknown {
    if (!Array.isArray(value)) return this.#check(type, value, path, false);
    return value.map((item, i) => this.walk(type.itemsType, item, `${path}[${i}]`));
  }

  #union(type: avro.types.UnwrappedUnionType, value: unknown, path: string): unknown {
    const attempts = type.types.map((branch) => {
      const walker = new Walker(this.#options);
      return { branch, walker, result: walker.walk(branch, value, path) };
    });
    const ok = attempts.find((a) => a.walker.errors.length === 0);
    if (ok) return ok.result;
    // When only one branch has the value's shape (object, list), its errors say more.
    const shaped = attempts.filter((a) => sameShape(a.branch, value));
    if (shaped.length !== 1) return this.#check(type, value, path, false);
    this.errors.push(...shaped[0].walker.errors);
    return shaped[0].result;
  }
}

function acceptsNull(type: avro.Type): boolean {
  const name = type.typeName;
  if (name === "null" || name === "logical:json") return true;
  return name.startsWith("union:") &&
    (type as avro.types.UnwrappedUnionType).types.some(acceptsNull);
}

function sameShape(type: avro.Type, value: unknown): boolean {
  const name = type.typeName;
  if (Array.isArray(value)) return name === "array";
  return isPlainObject(value) && ["record", "error", "map"].includes(name);
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isPlainObject(value) && Object.values(value).every(isJson);
}

/** Turns avsc's default values (record instances) into plain objects. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}
