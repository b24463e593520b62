import type { Connection, ConnectionReader, TransportKind } from "./connection.ts";
import { pump } from "./_chunk_queue.ts";
import { formatAddr } from "./address.ts";
import { ConnectionClosedError } from "./errors.ts";

/** Smallest read buffer; what an idle connection holds while its read is pending. */
export const MIN_READ = 512;
/** Largest read buffer, reached by doubling while reads fill the buffer. */
export const MAX_READ = 64 * 1024;

/** Errors that are the ordinary end of a connection, not worth reporting. */
const QUIET: (new (...args: never[]) => Error)[] = [
  Deno.errors.BadResource,
  Deno.errors.Interrupted,
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.BrokenPipe,
  Deno.errors.NotConnected,
  Deno.errors.UnexpectedEof,
];

/** Whether `error` is an ordinary end of a connection. */
export function isQuietError(error: unknown): boolean {
  return QUIET.some((kind) => error instanceof kind);
}

/** What a {@linkcode DenoConnection} needs besides the socket. */
export interface DenoConnectionInit {
  listener: string;
  transport: TransportKind;
  /** Called once when the connection closes, for whatever reason. */
  onClose: () => void;
  /** Told about read errors that are not an ordinary end (a failed TLS handshake, say). */
  onError?: (error: Error) => void;
}

/** A {@linkcode Connection} over a `Deno.Conn` (TCP or TLS). */
export class DenoConnection implements Connection {
  readonly listener: string;
  readonly transport: TransportKind;
  readonly remoteAddr: string;
  readonly #conn: Deno.Conn;
  readonly #init: DenoConnectionInit;
  #closed = false;
  #tail: Promise<void> = Promise.resolve();

  constructor(conn: Deno.Conn, init: DenoConnectionInit) {
    this.#conn = conn;
    this.#init = init;
    this.listener = init.listener;
    this.transport = init.transport;
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.remoteAddr = formatAddr(addr.hostname, addr.port);
    const tcp = conn as Partial<Deno.TcpConn>;
    try {
      tcp.setNoDelay?.(true);
    } catch {
      // The peer may already be gone; reading will notice.
    }
  }

  start(reader: ConnectionReader): void {
    void pump(this.#read(), reader);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError(this.remoteAddr));
    const written = this.#tail.then(() => this.#writeAll(chunk));
    this.#tail = written.catch(() => {});
    return written;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#init.onClose();
  }

  async #writeAll(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#closed) throw new ConnectionClosedError(this.remoteAddr);
      try {
        offset += await this.#conn.write(chunk.subarray(offset));
      } catch (cause) {
        this.close();
        throw new ConnectionClosedError(this.remoteAddr, { cause });
      }
    }
  }

  /** Reads into one buffer that grows while reads fill it and shrinks back after a short read. */
  async *#read(): AsyncGenerator<Uint8Array> {
    let buffer = new Uint8Array(MIN_READ);
    try {
      while (!this.#closed) {
        const n = await this.#conn.read(buffer);
        if (n === null) return;
        yield buffer.slice(0, n);
        if (n === buffer.length && buffer.length < MAX_READ) {
          buffer = new Uint8Array(buffer.length * 2);
        } else if (n < MIN_READ && buffer.length > MIN_READ) {
          buffer = new Uint8Array(MIN_READ);
        }
      }
    } catch (error) {
      if (!this.#closed && !isQuietError(error) && error instanceof Error) {
        this.#init.onError?.(error);
      }
    } finally {
      this.close();
    }
  }
}
