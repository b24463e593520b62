/**
 * A {@linkcode Connection} over a `node:net` socket (plain TCP, and TLS with client certificates).
 *
 * Deno runs `node:net` sockets on native stream handles: the runtime watches every socket and
 * calls back when bytes arrive, so an idle connection holds no pending read, no promise and no
 * read buffer (a `Deno.Conn` read loop holds all three, a few KiB per connection). The socket's
 * listeners are shared by every connection (they find theirs through the socket), so a
 * connection adds one small object.
 *
 * @module
 */
import type { Socket } from "node:net";
import type {
  ClientCertificate,
  Connection,
  ConnectionReader,
  Listener,
  TransportKind,
} from "./connection.ts";
import { formatAddr } from "./address.ts";
import { ConnectionClosedError } from "./errors.ts";
import type { ConnectionLimit } from "./_limit.ts";

/** What every connection of one listener shares. */
export interface NodeListenerContext {
  /** The listener's name in the config. */
  readonly listener: string;
  readonly transport: TransportKind;
  /** Counts this listener's open connections. */
  readonly limit: ConnectionLimit;
  /** Told about socket errors that are not an ordinary end. */
  readonly onError?: (error: Error) => void;
}

/** Socket error codes that are the ordinary end of a connection. */
const QUIET_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTCONN",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
]);

const OWNER = Symbol("aviary.connection");

type OwnedSocket = Socket & { [OWNER]?: NodeConnection };

/**
 * One accepted `node:net` (or `node:tls`) socket. Counted in its listener's limit until it ends.
 *
 * @example
 * ```ts ignore
 * const conn = new NodeConnection(socket, { listener: "default", transport: "tcp", limit });
 * conn.start({ onData: (chunk) => conn.write(chunk), onEnd: () => {} }); // echo
 * ```
 */
export class NodeConnection implements Connection {
  readonly remoteAddr: string;
  readonly clientCertificate?: ClientCertificate;
  readonly #socket: OwnedSocket;
  readonly #ctx: NodeListenerContext;
  #reader?: ConnectionReader;
  /** close() was called: nothing more is written or handed over. */
  #closing = false;
  /** The reader's last onData is still pending (the socket is paused). */
  #busy = false;
  /** The socket closed; onEnd follows once the reader is not busy. */
  #gone = false;
  #ended = false;

  /**
   * @param socket an accepted socket (already counted in `ctx.limit`)
   * @param ctx what the listener's connections share
   * @param certificate the verified client certificate, if any
   */
  constructor(socket: Socket, ctx: NodeListenerContext, certificate?: ClientCertificate) {
    this.#socket = socket as OwnedSocket;
    this.#ctx = ctx;
    this.remoteAddr = formatAddr(socket.remoteAddress ?? "unknown", socket.remotePort ?? 0);
    if (certificate) this.clientCertificate = certificate;
    this.#socket[OWNER] = this;
    socket.setNoDelay(true);
    socket.on("error", NodeConnection.#onError);
    socket.on("close", NodeConnection.#onClose);
  }

  get listener(): string {
    return this.#ctx.listener;
  }

  get transport(): TransportKind {
    return this.#ctx.transport;
  }

  start(reader: ConnectionReader): void {
    if (this.#reader) throw new Error("Connection already started");
    this.#reader = reader;
    if (this.#gone) return this.#end();
    this.#socket.on("data", NodeConnection.#onData);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closing || this.#gone) {
      return Promise.reject(new ConnectionClosedError(this.remoteAddr));
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(chunk, (error) => {
        if (!error) return resolve();
        this.close();
        reject(new ConnectionClosedError(this.remoteAddr, { cause: error }));
      });
    });
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#socket.destroy();
  }

  /** Shared by every socket: `this` is the socket. */
  static #onData(this: OwnedSocket, chunk: Uint8Array): void {
    const conn = this[OWNER]!;
    if (conn.#closing) return;
    if (conn.#busy) return void this.unshift(chunk); // paused: kept for when the reader is ready
    const pending = conn.#reader!.onData(chunk);
    if (!pending) return;
    conn.#busy = true;
    this.pause();
    pending.then(() => conn.#settled(), () => conn.#settled());
  }

  static #onError(this: OwnedSocket, error: Error & { code?: string }): void {
    const conn = this[OWNER]!;
    if (conn.#closing || QUIET_CODES.has(error.code ?? "")) return;
    conn.#ctx.onError?.(error);
  }

  static #onClose(this: OwnedSocket): void {
    const conn = this[OWNER]!;
    if (conn.#gone) return;
    conn.#gone = true;
    conn.#closing = true;
    conn.#ctx.limit.release();
    if (!conn.#busy && conn.#reader) conn.#end();
  }

  #settled(): void {
    this.#busy = false;
    if (this.#gone) return this.#end();
    if (!this.#closing) this.#socket.resume();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reader!.onEnd();
  }
}

/**
 * The {@linkcode Listener} of a listening `node:net` / `node:tls` server; `close()` stops
 * accepting and leaves open connections alone (`server.close(callback)` would wait for them).
 */
export function nodeListener(
  server: { listening: boolean; close(): unknown; address(): unknown },
  name: string,
  transport: TransportKind,
): Listener {
  const bound = server.address() as { address: string; port: number };
  return {
    name,
    transport,
    hostname: bound.address,
    port: bound.port,
    close: () => {
      if (server.listening) server.close();
      return Promise.resolve();
    },
  };
}
