import type { Connection, ConnectionReader, TransportKind } from "./connection.ts";
import { ConnectionClosedError } from "./errors.ts";
import { ChunkQueue, pump } from "./_chunk_queue.ts";

/** `write()` waits while more than this many bytes are queued in the WebSocket... */
export const WS_HIGH_WATER = 1024 * 1024;
/** ...until fewer than this many are left. */
export const WS_LOW_WATER = 256 * 1024;
const DRAIN_POLL_MS = 5;

/** What a {@linkcode WsConnection} needs besides the socket. */
export interface WsConnectionInit {
  listener: string;
  transport: TransportKind;
  remoteAddr: string;
  /** Called once when the connection closes, for whatever reason. */
  onClose: () => void;
}

/**
 * A {@linkcode Connection} over a server-side WebSocket: each binary message is a chunk of the
 * byte stream; a text message breaks the MQTT rules and closes the connection.
 */
export class WsConnection implements Connection {
  readonly listener: string;
  readonly transport: TransportKind;
  readonly remoteAddr: string;
  readonly #socket: WebSocket;
  readonly #queue = new ChunkQueue();
  readonly #onClose: () => void;
  #closed = false;
  #drain: Promise<void> | undefined;

  constructor(socket: WebSocket, init: WsConnectionInit) {
    this.#socket = socket;
    this.listener = init.listener;
    this.transport = init.transport;
    this.remoteAddr = init.remoteAddr;
    this.#onClose = init.onClose;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) this.#queue.push(new Uint8Array(event.data));
      else this.#fail(1003, "MQTT needs binary messages");
    });
    socket.addEventListener("close", () => this.#ended());
  }

  start(reader: ConnectionReader): void {
    void pump(this.#read(), reader);
  }

  /**
   * Sends `chunk` as one binary message. Resolves at once unless more than
   * {@linkcode WS_HIGH_WATER} bytes are waiting to go out; then it waits for the socket to drain.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new ConnectionClosedError(this.remoteAddr));
    }
    this.#socket.send(chunk);
    if (this.#socket.bufferedAmount <= WS_HIGH_WATER) return Promise.resolve();
    this.#drain ??= this.#waitForDrain().finally(() => this.#drain = undefined);
    return this.#drain;
  }

  close(): void {
    this.#fail(1000, "");
  }

  #fail(code: number, reason: string): void {
    if (this.#closed) return;
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closing.
    }
    this.#queue.end(true);
    this.#ended();
  }

  #ended(): void {
    this.#queue.end();
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }

  async #waitForDrain(): Promise<void> {
    while (this.#socket.bufferedAmount > WS_LOW_WATER) {
      if (this.#closed) throw new ConnectionClosedError(this.remoteAddr);
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  async *#read(): AsyncGenerator<Uint8Array> {
    try {
      yield* this.#queue;
    } finally {
      this.close();
    }
  }
}
