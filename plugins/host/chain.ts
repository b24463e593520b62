/**
 * The chain rules, one function per hookpoint kind (see plugins/sdk/hookpoints.ts for the table).
 *
 * @module
 */

import type { FallbackDecision } from "./entry.ts";
import type { EnhancedAuthReturn } from "../sdk/plugin.ts";
import type { HookpointName, TransformHookpoint } from "../sdk/hookpoints.ts";
import type { CallOutcome, Runner } from "./runner.ts";

/** Final answer of a decide chain. `by` is the alias that decided, null for the fallback. */
export interface DecisionOutcome {
  /** `continue`: only from `client.enhanced_auth` (another AUTH round). */
  result: "allow" | "deny" | "continue";
  reasonCode?: number;
  reason?: string;
  /** Only from `client.authenticate` and `client.enhanced_auth`. */
  superuser?: boolean;
  /** Only from `client.enhanced_auth`: the Authentication Data to send the client. */
  authData?: Uint8Array;
  /** Only from `client.enhanced_auth` (`continue`): what the next round's event carries back. */
  state?: unknown;
  by: string | null;
}

/** A decision as read from a hook (`continue` and `authData` only from `client.enhanced_auth`). */
export type Decision = Exclude<EnhancedAuthReturn, boolean | null | undefined | void>;

/** What a chain needs from a runner. */
export type ChainMember =
  & Pick<Runner, "alias" | "entry" | "call">
  & Partial<Pick<Runner, "callBatch">>
  & {
    fault(hook: string | null, kind: "error" | "timeout", message: string): CallOutcome;
  };

/**
 * Reads what a decide hook returned: `true` = allow, `false` = deny, null/undefined = ignore, or a
 * `{result}` object. Returns null for anything else.
 *
 * @example
 * ```ts
 * import { normalizeDecision } from "./chain.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(normalizeDecision(true), { result: "allow" });
 * assert.deepEqual(normalizeDecision(undefined), { result: "ignore" });
 * assert.equal(normalizeDecision("yes"), null);
 * ```
 */
export function normalizeDecision(value: unknown): Decision | null {
  if (value === true) return { result: "allow" };
  if (value === false) return { result: "deny" };
  if (value === null || value === undefined) return { result: "ignore" };
  if (typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  switch (v.result) {
    case "allow":
      return {
        result: "allow",
        ...(v.superuser === true ? { superuser: true } : {}),
        ...(v.authData instanceof Uint8Array ? { authData: v.authData } : {}),
      };
    case "continue":
      return {
        result: "continue",
        ...(v.authData instanceof Uint8Array ? { authData: v.authData } : {}),
        ...(v.state !== undefined ? { state: v.state } : {}),
      };
    case "deny":
      return {
        result: "deny",
        ...(typeof v.reasonCode === "number" ? { reasonCode: v.reasonCode } : {}),
        ...(typeof v.reason === "string" ? { reason: v.reason } : {}),
      };
    case "ignore":
      return { result: "ignore" };
    default:
      return null;
  }
}

function fallback(choice: FallbackDecision, why: string): Decision {
  return choice === "deny" ? { result: "deny", reason: why } : { result: choice };
}

/**
 * Decide chain: members in order; the first answer that is not ignore wins. A hook that throws,
 * answers garbage or is unavailable takes its entry's `on_error`; one that times out `on_timeout`.
 * When all ignore, `whenAllIgnore` decides (`by: null`).
 *
 * @example
 * ```ts
 * import { type ChainMember, runDecide } from "./chain.ts";
 * import assert from "node:assert/strict";
 *
 * const member = (alias: string, value: unknown) => ({
 *   alias,
 *   entry: { on_error: "deny", on_timeout: "deny" },
 *   call: () => Promise.resolve({ ok: true, value }),
 *   fault: () => ({ ok: false }),
 * }) as unknown as ChainMember;
 * const members = [member("quiet", undefined), member("acl", false)];
 * const outcome = await runDecide(members, "client.authorize", {}, "allow");
 * assert.deepEqual(outcome, { result: "deny", by: "acl" });
 * ```
 */
export async function runDecide(
  members: readonly ChainMember[],
  hook: HookpointName,
  event: unknown,
  whenAllIgnore: "allow" | "deny",
): Promise<DecisionOutcome> {
  for (const m of members) {
    const out = await m.call(hook, event);
    let d: Decision | null;
    if (out.ok) {
      d = normalizeDecision(out.value);
      if (d?.result === "continue" && hook !== "client.enhanced_auth") d = null; // AUTH only
      if (!d) {
        m.fault(hook, "error", `invalid decision ${JSON.stringify(out.value)}`);
        d = fallback(m.entry.on_error, "plugin returned an invalid decision");
      }
    } else if (out.reason === "timeout") {
      d = fallback(m.entry.on_timeout, `plugin timed out`);
    } else {
      d = fallback(m.entry.on_error, `plugin ${out.reason}: ${out.message}`);
    }
    if (d.result !== "ignore") return { ...d, by: m.alias };
  }
  return { result: whenAllIgnore, by: null };
}

/** Shape checks of transform results, per hookpoint. */
const VALID: Record<TransformHookpoint, (v: unknown) => boolean> = {
  "client.connack": (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "client.subscribe": (v) =>
    Array.isArray(v) &&
    v.every((f) => typeof f?.topic === "string" && [0, 1, 2].includes(f?.qos)),
  "client.unsubscribe": (v) => Array.isArray(v) && v.every((f) => typeof f === "string"),
  "message.publish": isMessage,
  "message.delivered": isMessage,
};

function isMessage(v: unknown): boolean {
  const m = v as Record<string, unknown> | null;
  return typeof m === "object" && m !== null && typeof m.topic === "string" && m.topic !== "" &&
    !/[#+]/.test(m.topic) && m.payload instanceof Uint8Array &&
    [0, 1, 2].includes(m.qos as number) &&
    typeof m.retain === "boolean" && typeof m.from === "object" && m.from !== null;
}

/** Final value of a transform chain; `dropped` when a member returned `{drop: true}`. */
export type TransformOutcome =
  | { dropped: false; value: unknown }
  | { dropped: true; by: string; reason?: string };

/**
 * Transform chain: each member sees the previous member's output; nothing (null/undefined) keeps
 * the value; `{drop: true}` ends the chain on droppable hookpoints. A failing member is skipped
 * (value kept), as is a result of the wrong shape (counted as an error).
 *
 * @example
 * ```ts
 * import { type ChainMember, runTransform } from "./chain.ts";
 * import assert from "node:assert/strict";
 *
 * const dropper = {
 *   alias: "taboo",
 *   call: () => Promise.resolve({ ok: true, value: { drop: true, reason: "taboo" } }),
 * } as unknown as ChainMember;
 * const out = await runTransform([dropper], "message.publish", {}, null, true);
 * assert.deepEqual(out, { dropped: true, by: "taboo", reason: "taboo" });
 * ```
 */
export async function runTransform(
  members: readonly ChainMember[],
  hook: TransformHookpoint,
  event: unknown,
  valueKey: string | null,
  droppable: boolean,
): Promise<TransformOutcome> {
  let current = valueKey === null ? event : (event as Record<string, unknown>)[valueKey];
  for (const m of members) {
    const arg = valueKey === null ? current : { ...(event as object), [valueKey]: current };
    const out = await m.call(hook, arg);
    if (!out.ok || out.value === null || out.value === undefined) continue;
    const v = out.value as { drop?: unknown; reason?: unknown };
    if (droppable && typeof v === "object" && v.drop === true) {
      return {
        dropped: true,
        by: m.alias,
        ...(typeof v.reason === "string" ? { reason: v.reason } : {}),
      };
    }
    if (!VALID[hook](v)) {
      m.fault(hook, "error", `invalid ${hook} result, value kept`);
      continue;
    }
    current = v;
  }
  return { dropped: false, value: current };
}

/**
 * {@linkcode runTransform} over the events of one tick: each member is called once for every event
 * still in the chain (`callBatch`: one crossing into a cage), and applies the same rules to each
 * event's answer. A member that fails for one event skips only that event.
 *
 * @example
 * ```ts
 * import { type ChainMember, runTransformBatch } from "./chain.ts";
 * import assert from "node:assert/strict";
 *
 * const upper = {
 *   alias: "upper",
 *   callBatch: (_h: string, es: { topic: string }[]) =>
 *     Promise.resolve(es.map((e) => e.topic === "drop" ? { ok: true, value: { drop: true } } : { ok: true, value: undefined })),
 * } as unknown as ChainMember;
 * const out = await runTransformBatch([upper], "message.publish", [{ topic: "a" }, { topic: "drop" }], null, true);
 * assert.deepEqual(out, [{ dropped: false, value: { topic: "a" } }, { dropped: true, by: "upper" }]);
 * ```
 */
export async function runTransformBatch(
  members: readonly ChainMember[],
  hook: TransformHookpoint,
  events: unknown[],
  valueKey: string | null,
  droppable: boolean,
): Promise<TransformOutcome[]> {
  const current = events.map((e) =>
    valueKey === null ? e : (e as Record<string, unknown>)[valueKey]
  );
  const out: TransformOutcome[] = new Array(events.length);
  let live = events.map((_, i) => i);
  for (const m of members) {
    if (live.length === 0) break;
    const args = live.map((i) =>
      valueKey === null ? current[i] : { ...(events[i] as object), [valueKey]: current[i] }
    );
    const answers = m.callBatch
      ? await m.callBatch(hook, args)
      : await Promise.all(args.map((a) => m.call(hook, a)));
    live = live.filter((i, k) => {
      const a = answers[k];
      if (!a?.ok || a.value === null || a.value === undefined) return true;
      const v = a.value as { drop?: unknown; reason?: unknown };
      if (droppable && typeof v === "object" && v.drop === true) {
        const reason = typeof v.reason === "string" ? { reason: v.reason } : {};
        out[i] = { dropped: true, by: m.alias, ...reason };
        return false;
      }
      if (VALID[hook](v)) current[i] = v;
      else m.fault(hook, "error", `invalid ${hook} result, value kept`);
      return true;
    });
  }
  for (const i of live) out[i] = { dropped: false, value: current[i] };
  return out;
}
