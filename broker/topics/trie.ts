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
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i];
      const child = parent.children.get(level)!;
      if (child.values.size > 0 || child.children.size > 0) break;
      parent.children.delete(level);
    }
    return true;
  }

  /** Calls `visit` for every (owner, value, filter-node values) whose filter matches `topic`. */
  match(topic: string, visit: (owner: string, value: V) => void): void {
    const levels = topic.split("/");
    this.#walk(this.#root, levels, 0, topic.startsWith("$"), visit);
  }

  #walk(
    node: Node<V>,
    levels: string[],
    i: number,
    dollar: boolean,
    visit: (owner: string, value: V) => void,
  ): void {
    const wildOk = !(dollar && i === 0);
    const hash = wildOk ? node.children.get("#") : undefined;
    if (hash) hash.values.forEach((v, k) => visit(k, v));
    if (i === levels.length) {
      node.values.forEach((v, k) => visit(k, v));
      return;
    }
    const exact = node.children.get(levels[i]);
    if (exact) this.#walk(exact, levels, i + 1, dollar, visit);
    const plus = wildOk ? node.children.get("+") : undefined;
    if (plus) this.#walk(plus, levels, i + 1, dollar, visit);
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
