/**
 * One value per topic name, found by topic filter: a tree over topic levels, so a filter visits
 * only the branches it can match (`a/+/c` looks at the children of `a`, not at every topic).
 * Used for retained messages.
 *
 * @module
 */

interface IndexNode<V> {
  children?: Map<string, IndexNode<V>>;
  value?: V;
  has: boolean;
}

/**
 * Values keyed by topic name, matched by topic filter (spec 4.7): `+` one level, `#` the rest
 * (its parent level included), wildcards at the first level skip topics starting with `$`.
 * Matching runs on its own stack, in insertion order within a level.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TopicIndex } from "./topic_index.ts";
 * const index = new TopicIndex<number>();
 * index.set("a/b", 1);
 * index.set("a/c/d", 2);
 * index.set("$SYS/x", 3);
 * const seen: number[] = [];
 * index.match("#", (v) => seen.push(v));
 * assert.deepEqual(seen, [1, 2]);
 * index.delete("a/c/d");
 * assert.equal(index.size, 2);
 * ```
 */
export class TopicIndex<V> {
  #root: IndexNode<V> = { has: false };
  #size = 0;

  /** The number of topics. */
  get size(): number {
    return this.#size;
  }

  /** Stores `value` at `topic`; returns true when it replaced a value. */
  set(topic: string, value: V): boolean {
    let node = this.#root;
    for (const level of topic.split("/")) {
      const children = node.children ??= new Map();
      let next = children.get(level);
      if (next === undefined) children.set(level, next = { has: false });
      node = next;
    }
    const existed = node.has;
    node.value = value;
    node.has = true;
    if (!existed) this.#size++;
    return existed;
  }

  /** The value at exactly `topic`. */
  get(topic: string): V | undefined {
    let node: IndexNode<V> | undefined = this.#root;
    for (const level of topic.split("/")) {
      node = node.children?.get(level);
      if (node === undefined) return undefined;
    }
    return node.value;
  }

  /** Removes `topic`'s value and the branches left empty; returns whether it was there. */
  delete(topic: string): boolean {
    const path: IndexNode<V>[] = [];
    const levels = topic.split("/");
    let node: IndexNode<V> | undefined = this.#root;
    for (const level of levels) {
      path.push(node);
      node = node.children?.get(level);
      if (node === undefined) return false;
    }
    if (!node.has) return false;
    node.has = false;
    node.value = undefined;
    this.#size--;
    for (let i = levels.length - 1; i >= 0; i--) {
      const child = path[i].children!.get(levels[i])!;
      if (child.has || (child.children?.size ?? 0) > 0) break;
      path[i].children!.delete(levels[i]);
    }
    return true;
  }

  /** Calls `visit(value)` for every topic that `filter` matches. */
  match(filter: string, visit: (value: V) => void): void {
    const levels = filter.split("/");
    // Pending branches, the next one last: node, and the filter level it has reached.
    const nodes: IndexNode<V>[] = [this.#root];
    const depths: number[] = [0];
    while (nodes.length > 0) {
      const node = nodes.pop()!;
      const i = depths.pop()!;
      if (i === levels.length) {
        if (node.has) visit(node.value as V);
        continue;
      }
      const level = levels[i];
      if (level === "#") {
        if (i > 0 && node.has) visit(node.value as V); // `a/#` matches `a`
        everyBelow(node, i === 0, visit);
        continue;
      }
      const children = node.children;
      if (children === undefined) continue;
      if (level !== "+") {
        const next = children.get(level);
        if (next !== undefined) {
          nodes.push(next);
          depths.push(i + 1);
        }
        continue;
      }
      const at = nodes.length;
      for (const [name, child] of children) {
        if (i === 0 && name.startsWith("$")) continue;
        nodes.push(child);
        depths.push(i + 1);
      }
      reverseFrom(nodes, at);
    }
  }
}

/**
 * Visits every value strictly below `start`, depth first, in insertion order; `atRoot` skips
 * first-level names starting with `$`.
 */
function everyBelow<V>(start: IndexNode<V>, atRoot: boolean, visit: (value: V) => void): void {
  const stack: IndexNode<V>[] = [];
  const pushChildren = (node: IndexNode<V>, first: boolean) => {
    if (node.children === undefined) return;
    const at = stack.length;
    for (const [name, child] of node.children) {
      if (!(first && name.startsWith("$"))) stack.push(child);
    }
    reverseFrom(stack, at);
  };
  pushChildren(start, atRoot);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.has) visit(node.value as V);
    pushChildren(node, false);
  }
}

/** Reverses `xs[from..]` in place, so that popping yields them in their original order. */
function reverseFrom<T>(xs: T[], from: number): void {
  for (let a = from, b = xs.length - 1; a < b; a++, b--) [xs[a], xs[b]] = [xs[b], xs[a]];
}
