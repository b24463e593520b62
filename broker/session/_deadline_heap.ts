/**
 * A binary min-heap of keyed deadlines with O(log n) insert, update and delete by key. Private to
 * {@linkcode ExpirySchedule}: ties break by insertion order, so equal deadlines come out FIFO.
 *
 * @module
 */

/** One scheduled key. */
export interface HeapEntry<K, V> {
  key: K;
  /** Absolute deadline, ms since the epoch. */
  at: number;
  value: V;
  /** Insertion counter: the tie-break for equal deadlines. */
  seq: number;
  /** Position in the heap array. */
  index: number;
}

/** Keyed min-heap ordered by `at`, then `seq`. */
export class DeadlineHeap<K, V> {
  #items: HeapEntry<K, V>[] = [];
  #byKey = new Map<K, HeapEntry<K, V>>();
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The earliest entry, if any. */
  peek(): HeapEntry<K, V> | undefined {
    return this.#items[0];
  }

  get(key: K): HeapEntry<K, V> | undefined {
    return this.#byKey.get(key);
  }

  /** Adds `key` at `at`, or moves it there (with its new value) when present. */
  set(key: K, at: number, value: V): void {
    this.delete(key);
    const entry: HeapEntry<K, V> = { key, at, value, seq: this.#seq++, index: this.#items.length };
    this.#items.push(entry);
    this.#byKey.set(key, entry);
    this.#up(entry.index);
  }

  /** Removes `key`; returns its entry when it was present. */
  delete(key: K): HeapEntry<K, V> | undefined {
    const entry = this.#byKey.get(key);
    if (!entry) return undefined;
    this.#byKey.delete(key);
    const last = this.#items.pop()!;
    if (last !== entry) {
      this.#items[entry.index] = last;
      last.index = entry.index;
      this.#down(this.#up(last.index));
    }
    return entry;
  }

  /** Removes everything. */
  clear(): void {
    this.#items = [];
    this.#byKey.clear();
  }

  #less(a: HeapEntry<K, V>, b: HeapEntry<K, V>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  /** Moves the entry at `i` up to its place; returns where it ended. */
  #up(i: number): number {
    const items = this.#items;
    const entry = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(entry, items[parent])) break;
      this.#place(items[parent], i);
      i = parent;
    }
    this.#place(entry, i);
    return i;
  }

  /** Moves the entry at `i` down to its place. */
  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const entry = items[i];
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.#less(items[r], items[l]) ? r : l;
      if (!this.#less(items[child], entry)) break;
      this.#place(items[child], i);
      i = child;
    }
    this.#place(entry, i);
  }

  #place(entry: HeapEntry<K, V>, i: number): void {
    this.#items[i] = entry;
    entry.index = i;
  }
}
