/**
 * Renders the hookpoint table as Markdown for `docs/hookpoints.md` (a test keeps them in sync).
 * Run `deno run plugins/sdk/hookpoints_markdown.ts` to print it.
 *
 * @module
 */

import type { HookpointSpec } from "./hookpoint_spec.ts";
import { HOOKPOINT_NAMES, HOOKPOINTS } from "./hookpoints.ts";

function rule(spec: HookpointSpec): string {
  if (spec.kind === "decide") {
    const role = spec.role ? `; participants: \`${spec.role}.plugins\`` : "";
    return `first non-ignore wins; all ignore: ${spec.whenAllIgnore}${role}`;
  }
  if (spec.kind === "transform") {
    const what = spec.value === null ? "the event" : `\`${spec.value}\``;
    return `rewrites ${what}${spec.droppable ? "; `{drop: true}` drops" : ""}`;
  }
  if (spec.kind === "call") return "one plugin, addressed by alias; its answer is the reply";
  return "fire-and-forget";
}

/**
 * The Markdown table, one row per hookpoint in table order.
 *
 * @example
 * ```ts
 * import { hookpointsMarkdown } from "./hookpoints_markdown.ts";
 * import assert from "node:assert/strict";
 *
 * const [header, , first] = hookpointsMarkdown().split("\n");
 * assert.equal(header, "| hookpoint | kind | chain rule | EMQX | aMQTT | when |");
 * assert.match(first, /^\| `broker.starting` \| notify \| fire-and-forget \|/);
 * ```
 */
export function hookpointsMarkdown(): string {
  const rows = HOOKPOINT_NAMES.map((name) => {
    const s: HookpointSpec = HOOKPOINTS[name];
    const emqx = s.emqx ? `\`${s.emqx}\`` : "-";
    const amqtt = s.amqtt ? `\`${s.amqtt}\`` : "-";
    return `| \`${name}\` | ${s.kind} | ${rule(s)} | ${emqx} | ${amqtt} | ${s.description} |`;
  });
  return [
    "| hookpoint | kind | chain rule | EMQX | aMQTT | when |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (import.meta.main) console.log(hookpointsMarkdown());
