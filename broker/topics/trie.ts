/**
 * The subscription index: a trie over topic levels, so matching a topic costs its depth,
 * not the number of subscriptions.
 *
 * @module
 */

interface Node<V> {
  children: Map<string, Node<V>>;
  /** Values stored at exactly this filter, keyed by owner (client id or shared-group key). */
  values: Map<string, V>;
}

/** Topics whose matching filters {@linkcode TopicTrie} remembers. */
export const ROUTE_CACHE_SIZE = 16_384;
/** Longer topics are not remembered: the cache holds at most a few MiB of topic text. */
export const ROUTE_CACHE_TOPIC_LENGTH = 256;

function newNode<V>(): Node<V> {
  return { children: new Map(), values: new Map() };
}

/**
 * Maps topic filters to values keyed by an owner string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TopicTrie } from "./trie.ts";
 * const trie = new TopicTrie<number>();
 * trie.add("a/+", "c1", 1);
 * trie.add("a/#", "c2", 2);
 * const seen: string[] = [];
 * trie.match("a/b", (owner) => seen.push(owner));
 * assert.ok(seen.sort().join() === "c1,c2");
 * ```
 */
export class TopicTrie<V> {
  #root: Node<V> = newNode();
  #size = 0;
  /**
   * Topic -> the owner maps that match it, for the most recent {@linkcode ROUTE_CACHE_SIZE}
   * topics of up to {@linkcode ROUTE_CACHE_TOPIC_LENGTH} characters (oldest evicted first). Entries hold live maps, so owners joining or leaving a filter that keeps at least one
   * owner need no invalidation; a filter gaining its first owner or losing its last clears it.
   */
  #routes = new Map<string, readonly ReadonlyMap<string, V>[]>();

  /** The number of (filter, owner) entries. */
  get size(): number {
    return this.#size;
  }

  /** Stores `value` for `owner` at `filter`; returns true when it replaced an entry. */
  add(filter: string, owner: string, value: V): boolean {
    let node = this.#root;
    for (const level of filter.split("/")) {
      let next = node.children.get(level);
      if (!next) node.children.set(level, next = newNode());
      node = next;
    }
    const existed = node.values.has(owner);
    if (node.values.size === 0) this.#routes.clear();
    node.values.set(owner, value);
    if (!existed) this.#size++;
    return existed;
  }

  /** The value for `owner` at exactly `filter`. */
  get(filter: string, owner: string): V | undefined {
    return this.#find(filter)?.values.get(owner);
  }

  /** Removes `owner` from `filter`; returns whether it was there. */
  remove(filter: string, owner: string): boolean {
    const path: [Node<V>, string][] = [];
    let node = this.#root;
    for (const level of filter.split("/")) {
      const next = node.children.get(level);
      if (!next) return false;
      path.push([node, level]);
      node = next;
    }
    if (!node.values.delete(owner)) return false;
    this.#size--;
    if (node.values.size === 0) this.#routes.clear();
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i];
      const child = parent.children.get(level)!;
      if (child.values.size > 0 || child.children.size > 0) break;
      parent.children.delete(level);
    }
    return true;
  }

  /** Calls `visit` for every (owner, value) whose filter matches `topic`. */
  match(topic: string, visit: (owner: string, value: V) => void): void {
    for (const values of this.matches(topic)) values.forEach((v, k) => visit(k, v));
  }

  /**
   * The owner maps of every filter that matches `topic` (none empty), most literal path first.
   * An owner appears at most once per map but may appear in several (overlapping filters).
   * Recent topics are answered from a cache; the maps are live: do not keep the answer.
   */
  matches(topic: string): readonly ReadonlyMap<string, V>[] {
    const known = this.#routes.get(topic);
    if (known !== undefined) return known;
    const found = this.#walk(topic);
    if (topic.length > ROUTE_CACHE_TOPIC_LENGTH) return found;
    if (this.#routes.size >= ROUTE_CACHE_SIZE) {
      this.#routes.delete(this.#routes.keys().next().value!);
    }
    this.#routes.set(topic, found);
    return found;
  }

  /** Finds the matching owner maps with its own stack: deep topics cost no call depth. */
  #walk(topic: string): ReadonlyMap<string, V>[] {
    const levels = topic.split("/");
    const dollar = topic.charCodeAt(0) === 36; // `$`: wildcards skip it at the first level
    const out: Map<string, V>[] = [];
    const nodes: Node<V>[] = [this.#root];
    const depths: number[] = [0];
    while (nodes.length > 0) {
      const node = nodes.pop()!;
      const i = depths.pop()!;
      const wildOk = i > 0 || !dollar;
      const hash = wildOk ? node.children.get("#") : undefined;
      if (hash !== undefined && hash.values.size > 0) out.push(hash.values);
      if (i === levels.length) {
        if (node.values.size > 0) out.push(node.values);
        continue;
      }
      const plus = wildOk ? node.children.get("+") : undefined;
      if (plus !== undefined) {
        nodes.push(plus);
        depths.push(i + 1);
      }
      const exact = node.children.get(levels[i]);
      if (exact !== undefined) {
        nodes.push(exact);
        depths.push(i + 1);
      }
    }
    return out;
  }

  /** Calls `visit` for every stored value. */
  forEach(visit: (value: V, owner: string) => void): void {
    const stack = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      node.values.forEach(visit);
      for (const child of node.children.values()) stack.push(child);
    }
  }

  #find(filter: string): Node<V> | undefined {
    let node: Node<V> | undefined = this.#root;
    for (const level of filter.split("/")) {
      node = node.children.get(level);
      if (!node) return undefined;
    }
    return node;
  }
}
