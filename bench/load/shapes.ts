/**
 * Topic layouts of the flow shapes: the filter each subscriber subscribes to, the topics each
 * publisher sends to, and how many unique deliveries that makes.
 *
 * @module
 */
import type { FlowShape, FlowSpec } from "./spec.ts";

/** Topics per level of the `wildcard` shape: `bench/<run>/<a>/<b>`, a and b below this. */
export const WILDCARD_SIDE = 100;

/** Where a flow's messages go. */
export interface Layout {
  /** The topic filter subscriber `i` subscribes to. */
  filter(i: number): string;
  /** The topics publisher `p` sends to: message `seq` goes to `topics[seq % topics.length]`. */
  topics(p: number): string[];
  /** Whether the subscribers form one shared group (each message reaches one of them). */
  shared: boolean;
  /** Unique deliveries expected over all subscribers. */
  expected: number;
}

/** What a layout depends on. */
export type LayoutInput = Pick<FlowSpec, "runId" | "publishers" | "subscribers" | "messages"> & {
  shape?: FlowShape;
};

/**
 * The layout of `spec`'s shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layout } from "./shapes.ts";
 * const fanIn = layout({ shape: "fan-in", runId: "r", publishers: 3, subscribers: 1, messages: 5 });
 * assert.deepEqual([fanIn.filter(0), fanIn.topics(2)[0], fanIn.expected], ["bench/r/#", "bench/r/p2", 15]);
 * const shared = layout({ shape: "shared", runId: "r", publishers: 1, subscribers: 10, messages: 5 });
 * assert.deepEqual([shared.filter(3), shared.expected], ["$share/g/bench/r", 5]);
 * ```
 */
export function layout(spec: LayoutInput): Layout {
  const root = `bench/${spec.runId}`;
  const all = spec.messages * spec.publishers * spec.subscribers;
  switch (spec.shape ?? "one-topic") {
    case "one-topic":
      return { filter: () => root, topics: () => [root], shared: false, expected: all };
    case "fan-in":
      return {
        filter: () => `${root}/#`,
        topics: (p) => [`${root}/p${p}`],
        shared: false,
        expected: all,
      };
    case "shared":
      return {
        filter: () => `$share/g/${root}`,
        topics: () => [root],
        shared: true,
        expected: spec.messages * spec.publishers,
      };
    case "wildcard":
      return wildcard(root, spec);
  }
}

/**
 * Subscriber `i`'s filter below the root in the `wildcard` shape: a quarter each of `a/+`, `+/b`,
 * `a/#` and `a/b/#`, with `a` and `b` spread over the topics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wildcardFilter } from "./shapes.ts";
 * assert.deepEqual([0, 1, 2, 3, 4, 403].map(wildcardFilter), ["0/+", "+/0", "0/#", "0/0/#", "1/+", "0/1/#"]);
 * ```
 */
export function wildcardFilter(i: number): string {
  const j = Math.floor(i / 4);
  const a = j % WILDCARD_SIDE;
  const b = Math.floor(j / WILDCARD_SIDE) % WILDCARD_SIDE;
  return [`${a}/+`, `+/${a}`, `${a}/#`, `${a}/${b}/#`][i % 4];
}

function wildcard(root: string, spec: LayoutInput): Layout {
  const suffixes: string[] = [];
  for (let a = 0; a < WILDCARD_SIDE; a++) {
    for (let b = 0; b < WILDCARD_SIDE; b++) suffixes.push(`${a}/${b}`);
  }
  const perFilter = new Map<string, number>();
  for (let i = 0; i < spec.subscribers; i++) {
    const f = wildcardFilter(i);
    perFilter.set(f, (perFilter.get(f) ?? 0) + 1);
  }
  let expected = 0;
  suffixes.forEach((topic, k) => {
    const sent = Math.floor(spec.messages / suffixes.length) +
      (k < spec.messages % suffixes.length ? 1 : 0);
    let reached = 0;
    for (const f of filtersMatching(topic.split("/"))) reached += perFilter.get(f) ?? 0;
    expected += sent * reached * spec.publishers;
  });
  const topics = suffixes.map((s) => `${root}/${s}`);
  return {
    filter: (i) => `${root}/${wildcardFilter(i)}`,
    topics: () => topics,
    shared: false,
    expected,
  };
}

/**
 * Every filter (relative to the same root) that matches a topic with these levels: each level
 * literal or `+`, cut anywhere by `#`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filtersMatching } from "./shapes.ts";
 * assert.deepEqual(filtersMatching(["a"]).sort(), ["#", "+", "+/#", "a", "a/#"]);
 * ```
 */
export function filtersMatching(levels: string[]): string[] {
  let prefixes: string[][] = [[]];
  const out: string[] = ["#"];
  for (const level of levels) {
    prefixes = prefixes.flatMap((p) => [[...p, level], [...p, "+"]]);
    for (const p of prefixes) out.push([...p, "#"].join("/"));
  }
  for (const p of prefixes) out.push(p.join("/"));
  return out;
}
