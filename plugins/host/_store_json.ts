/**
 * Measuring and checking the values of a plugin store (store.ts): a walk that refuses what JSON
 * cannot hold exactly, and UTF-8 lengths without allocating.
 *
 * @module
 */

/** Deepest nesting accepted in a value. */
const DEPTH_MAX = 64;

/**
 * One validation walk of a store value: the path and the parents of the node being checked.
 * Refuses (TypeError) anything JSON would change or lose.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonWalk } from "./_store_json.ts";
 * assert.equal(new JsonWalk().check({ a: "xy" }, 0) >= 7, true);
 * assert.throws(() => new JsonWalk().check({ a: NaN }, 0), /Store value\.a is not JSON/);
 * ```
 */
export class JsonWalk {
  #path: (string | number)[] = [];
  #parents: object[] = [];

  /** Checks `v`; returns a lower bound of its JSON length. */
  check(v: unknown, depth: number): number {
    switch (typeof v) {
      case "string":
        return v.length + 2;
      case "boolean":
        return 4;
      case "number":
        return Number.isFinite(v) ? 1 : this.#refuse(`${v} is not a finite number`);
      case "object":
        return v === null ? 4 : this.#object(v, depth);
      default:
        return this.#refuse(`${typeof v === "bigint" ? "BigInt" : typeof v} is not a JSON type`);
    }
  }

  #object(v: object, depth: number): number {
    if (this.#parents.includes(v)) this.#refuse("it contains itself (a cycle)");
    if (depth >= DEPTH_MAX) this.#refuse(`nested deeper than ${DEPTH_MAX} levels`);
    const proto = Object.getPrototypeOf(v);
    const array = Array.isArray(v);
    if (!array && proto !== Object.prototype && proto !== null) {
      this.#refuse(`a ${proto?.constructor?.name ?? "class"} instance is not a plain object`);
    }
    this.#parents.push(v);
    let n = 2;
    const entries: [string | number, unknown][] = array
      ? Array.from(v as unknown[], (x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries) {
      this.#path.push(k);
      n += this.check(x, depth + 1) + (array ? 1 : String(k).length + 4);
      this.#path.pop();
    }
    this.#parents.pop();
    return n;
  }

  #refuse(why: string): never {
    const at = this.#path.map((k) => typeof k === "number" ? `[${k}]` : `.${k}`).join("");
    throw new TypeError(`Store value${at} is not JSON: ${why}`);
  }
}

/** Longest string measured in place (the store's largest value); longer ones are encoded. */
const SCRATCH_UNITS = 1024 * 1024;
/** Scratch space for measuring: 3 bytes per UTF-16 unit of the longest string measured. */
const scratch = new Uint8Array(3 * SCRATCH_UNITS + 3);
const encoder = new TextEncoder();

/**
 * UTF-8 length of `s` (a lone surrogate counts as U+FFFD, 3 bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Length } from "./_store_json.ts";
 * assert.equal(utf8Length("é€"), 5);
 * ```
 */
export function utf8Length(s: string): number {
  if (s.length > SCRATCH_UNITS) return encoder.encode(s).length; // imported data only
  return encoder.encodeInto(s, scratch).written;
}
