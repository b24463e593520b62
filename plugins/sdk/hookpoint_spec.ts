/**
 * What one row of the hookpoint table (`hookpoints.ts`) must declare: its kind and, per kind, its
 * chain rule.
 *
 * Kinds:
 * - `decide`: allow / deny / ignore. Plugins run in priority order; the first answer that is not
 *   `ignore` wins; when all ignore, the caller's fallback applies (`whenAllIgnore` by default).
 * - `transform`: each plugin gets the previous plugin's output (`value` names the rewritable field,
 *   `null` = the whole event) and returns a replacement or nothing (keep). `droppable` hookpoints
 *   also accept `{ drop: true }`, which ends the chain.
 * - `notify`: fire-and-forget; return values ignored, errors logged and counted, never propagated.
 * - `call`: not a chain: the broker calls the one plugin a request is addressed to (by alias) and
 *   uses its answer as the reply (`control.request`, Mosquitto's `$CONTROL/<plugin>/v1`).
 *
 * @module
 */

/** The three chain kinds, and `call`: addressed to one plugin by alias (no chain). */
export type HookpointKind = "decide" | "transform" | "notify" | "call";

/** What every hookpoint row must declare; checked with `satisfies`. */
export type HookpointSpec =
  & {
    /** Carries the event type only (always `undefined` at run time). */
    event: unknown;
    /** One line for the docs. */
    description: string;
    /** The EMQX hookpoint this is, or null. */
    emqx: string | null;
    /** The aMQTT event or plugin method this is, or null. */
    amqtt: string | null;
  }
  & (
    | {
      kind: "decide";
      /** Answer when every plugin ignores and the caller passes no fallback. */
      whenAllIgnore: "allow" | "deny";
      /** aMQTT role whose `plugins:` list picks the participants, or null for all. */
      role: "auth" | "topic_check" | null;
    }
    | { kind: "transform"; value: string | null; droppable: boolean }
    | { kind: "notify" }
    | { kind: "call" }
  );

/**
 * Carries a type into the table without a run-time value.
 *
 * @example Declaring the event type of a row
 * ```ts
 * import { shape } from "./hookpoint_spec.ts";
 * import assert from "node:assert/strict";
 *
 * const row = { event: shape<{ topic: string }>() };
 * assert.equal(row.event, undefined);
 * ```
 */
export function shape<T>(): T {
  return undefined as T;
}
