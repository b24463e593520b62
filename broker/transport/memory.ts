/**
 * An in-memory connection pair for driving the broker core in unit tests, without sockets.
 *
 * @module
 */

import type { Connection } from "./connection.ts";
import { ConnectionClosedError } from "./errors.ts";
import { ChunkQueue, chunksOf, pump } from "./_chunk_queue.ts";

export { chunksOf };

/** The test's end of a {@linkcode memoryPair}: plays the MQTT client. */
export interface ClientEnd extends AsyncIterable<Uint8Array> {
  /** Sends bytes to the server side; rejects once the pair is closed. */
  write(chunk: Uint8Array): Promise<void>;
  /** The next chunk the server wrote, or null once the pair is closed and drained. */
  read(): Promise<Uint8Array | null>;
  /** Closes the pair from the client side; safe to call more than once. */
  close(): void;
  /** Whether the pair is closed. */
  readonly isClosed: boolean;
  /** Resolves when either side closes. */
  readonly closed: Promise<void>;
}

/** Options of {@linkcode memoryPair}. */
export interface MemoryPairOptions {
  /** `Connection.listener`; default `memory`. */
  listener?: string;
  /** `Connection.remoteAddr`; default `memory:1`, `memory:2`, ... */
  remoteAddr?: string;
}

let counter = 0;

/**
 * Makes a connected pair: the server side is a {@linkcode Connection} to hand to the broker, the
 * client side a {@linkcode ClientEnd} for the test. Written chunks are copied, so either side may
 * reuse its buffers. Closing either side ends both directions; what was already written can still
 * be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunksOf, memoryPair } from "./memory.ts";
 * const [server, client] = memoryPair();
 * await client.write(new Uint8Array([0xc0, 0x00])); // PINGREQ
 * for await (const _ of chunksOf(server)) {
 *   await server.write(new Uint8Array([0xd0, 0x00])); // PINGRESP
 *   break;
 * }
 * assert.equal((await client.read())?.[0], 0xd0);
 * server.close();
 * await client.closed;
 * ```
 */
export function memoryPair(opts: MemoryPairOptions = {}): [Connection, ClientEnd] {
  const toServer = new ChunkQueue();
  const toClient = new ChunkQueue();
  const remoteAddr = opts.remoteAddr ?? `memory:${++counter}`;
  let closed = false;
  let resolveClosed!: () => void;
  const closedPromise = new Promise<void>((resolve) => resolveClosed = resolve);
  const close = () => {
    if (closed) return;
    closed = true;
    toServer.end();
    toClient.end();
    resolveClosed();
  };
  const send = (queue: ChunkQueue, chunk: Uint8Array) =>
    closed || !queue.push(chunk.slice())
      ? Promise.reject(new ConnectionClosedError(remoteAddr))
      : Promise.resolve();
  async function* serverReadable(): AsyncGenerator<Uint8Array> {
    try {
      yield* toServer;
    } finally {
      close();
    }
  }
  const server: Connection = {
    listener: opts.listener ?? "memory",
    transport: "memory",
    remoteAddr,
    start: (reader) => void pump(serverReadable(), reader),
    write: (chunk) => send(toClient, chunk),
    close,
  };
  const client: ClientEnd = {
    write: (chunk) => send(toServer, chunk),
    read: () => toClient.next(),
    close,
    get isClosed() {
      return closed;
    },
    closed: closedPromise,
    [Symbol.asyncIterator]: () => toClient[Symbol.asyncIterator](),
  };
  return [server, client];
}
