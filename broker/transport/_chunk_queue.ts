/** An unbounded FIFO of byte chunks with awaiting readers; ends once. */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  #items: Uint8Array[] = [];
  #waiters: ((chunk: Uint8Array | null) => void)[] = [];
  #ended = false;

  /** Whether {@linkcode ChunkQueue.end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Adds a chunk; returns false (and drops it) once ended. */
  push(chunk: Uint8Array): boolean {
    if (this.#ended) return false;
    const waiter = this.#waiters.shift();
    if (waiter) waiter(chunk);
    else this.#items.push(chunk);
    return true;
  }

  /** Ends the queue; readers get what is buffered (unless `discard`), then null. */
  end(discard = false): void {
    this.#ended = true;
    if (discard) this.#items = [];
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }

  /** The next chunk, or null once ended and drained. */
  next(): Promise<Uint8Array | null> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (let chunk = await this.next(); chunk !== null; chunk = await this.next()) yield chunk;
  }
}
