// Private: the EMQX `$ui` form hints on a plugin's config schema fields (`required` and `rules`),
// enforced by config_check.ts.

import type { AvroIssue } from "../../schema/mod.ts";

/** One `$ui.rules` entry (EMQX dashboard form hint). */
export interface UiRule {
  type: "pattern" | "range" | "length";
  /** For `pattern`: a regular expression the whole string must match. */
  value?: string;
  min?: number;
  max?: number;
  message?: string;
}

interface Field {
  name: string;
  type: unknown;
  $ui?: { required?: boolean; rules?: UiRule[] };
}

function ruleError(rule: UiRule, value: unknown): string | null {
  const fail = (why: string) => rule.message ?? why;
  if (rule.type === "pattern" && typeof value === "string" && rule.value) {
    return new RegExp(`^(?:${rule.value})$`).test(value) ? null : fail(`must match ${rule.value}`);
  }
  const n = rule.type === "length"
    ? (typeof value === "string" || Array.isArray(value) ? value.length : null)
    : (typeof value === "number" ? value : null);
  if (n === null) return null;
  if (rule.min !== undefined && n < rule.min) return fail(`must be at least ${rule.min}`);
  if (rule.max !== undefined && n > rule.max) return fail(`must be at most ${rule.max}`);
  return null;
}

/** Walks record fields (nested records included) and applies `$ui.required` and `$ui.rules`. */
export function uiIssues(type: unknown, value: unknown, path: string, out: AvroIssue[]): void {
  const t = type as { type?: string; fields?: Field[] } | null;
  if (!t || t.type !== "record" || typeof value !== "object" || value === null) return;
  for (const f of t.fields ?? []) {
    const v = (value as Record<string, unknown>)[f.name];
    const at = path ? `${path}.${f.name}` : f.name;
    if (f.$ui?.required && (v === undefined || v === null || v === "")) {
      out.push({ path: at, message: "is required" });
      continue;
    }
    for (const rule of f.$ui?.rules ?? []) {
      const why = ruleError(rule, v);
      if (why) out.push({ path: at, message: why });
    }
    const inner = Array.isArray(f.type) ? f.type.find((x) => typeof x === "object") : f.type;
    uiIssues(inner, v, at, out);
  }
}
