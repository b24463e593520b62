import type { Connection, ConnectionReader } from "./connection.ts";

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

/**
 * Hands every chunk of `source` to `reader`, waiting for each returned Promise, then calls
 * `reader.onEnd()` once (for transports that read with a loop: TLS, WebSocket, memory).
 */
export async function pump(
  source: AsyncIterable<Uint8Array>,
  reader: ConnectionReader,
): Promise<void> {
  try {
    for await (const chunk of source) {
      const pending = reader.onData(chunk);
      if (pending) await pending.catch(() => {});
    }
  } finally {
    reader.onEnd();
  }
}

/** The incoming bytes of `conn` as an async iterable (starts it); for tests and tools. */
export function chunksOf(conn: Pick<Connection, "start">): AsyncIterable<Uint8Array> {
  const queue = new ChunkQueue();
  conn.start({ onData: (chunk) => void queue.push(chunk), onEnd: () => queue.end() });
  return queue;
}
