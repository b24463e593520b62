import tls from "node:tls";
import type { ClientCertificate, Connection, ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { formatAddr } from "./address.ts";
import { ConnectionClosedError, ListenerError } from "./errors.ts";
import { ConnectionLimit } from "./_limit.ts";
import { bindFailure, handOver, messageOf, type TlsFiles } from "./_util.ts";

/** A {@linkcode Connection} over a `node:tls` socket. */
class NodeTlsConnection implements Connection {
  readonly transport = "tls" as const;
  readonly remoteAddr: string;
  readonly clientCertificate?: ClientCertificate;
  readonly readable: AsyncIterable<Uint8Array>;
  readonly #socket: tls.TLSSocket;
  readonly #onClose: () => void;
  #closed = false;

  constructor(readonly listener: string, socket: tls.TLSSocket, onClose: () => void) {
    this.#socket = socket;
    this.#onClose = onClose;
    this.remoteAddr = formatAddr(socket.remoteAddress ?? "unknown", socket.remotePort ?? 0);
    if (socket.authorized) this.clientCertificate = describe(socket.getPeerCertificate());
    socket.setNoDelay(true);
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
    this.readable = this.#read();
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError(this.remoteAddr));
    return new Promise((resolve, reject) => {
      this.#socket.write(chunk, (error) => {
        if (error) reject(new ConnectionClosedError(this.remoteAddr, { cause: error }));
        else resolve();
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#onClose();
  }

  async *#read(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.#socket) yield chunk as Uint8Array;
    } catch {
      // A reset or a destroyed socket is the end of the stream.
    } finally {
      this.close();
    }
  }
}

/** Runs a TLS listener on `node:tls`, asking for client certificates signed by `files.ca`. */
export async function listenNodeTls(
  name: string,
  addr: BindAddress,
  files: TlsFiles & { ca: string },
  onConnection: ConnectionHandler,
  opts: ListenOptions & { requireClientCert?: boolean },
): Promise<Listener> {
  const limit = new ConnectionLimit(opts.maxConnections);
  const { cert, key, ca } = files;
  const rejectUnauthorized = opts.requireClientCert === true;
  let server: tls.Server;
  try {
    server = tls.createServer({
      cert,
      key,
      ca,
      requestCert: true,
      rejectUnauthorized,
      ALPNProtocols: ["mqtt"],
    });
  } catch (cause) {
    const why = messageOf(cause);
    throw new ListenerError(name, `cannot use the certificate, key or ca: ${why}`, { cause });
  }
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    if (!limit.tryAcquire()) return void socket.destroy();
    handOver(new NodeTlsConnection(name, socket, limit.releaser()), onConnection, opts);
  });
  server.on("tlsClientError", (error: Error, socket: tls.TLSSocket) => {
    socket.destroy();
    opts.onError?.(error);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) => reject(new ListenerError(name, bindFailure(addr, cause))));
    server.listen(addr.port, addr.hostname, () => resolve());
  });
  server.on("error", (error) => opts.onError?.(error));
  const bound = server.address() as { address: string; port: number };
  return {
    name,
    transport: "tls",
    hostname: bound.address,
    port: bound.port,
    // `server.close(callback)` would wait for every open connection; stopping to accept is enough.
    close: () => {
      if (server.listening) server.close();
      return Promise.resolve();
    },
  };
}

/** Plain-data view of a verified peer certificate. */
function describe(cert: tls.PeerCertificate): ClientCertificate {
  const subject = formatName(cert.subject);
  const commonName = pick(cert.subject?.CN);
  return {
    ...(commonName === undefined ? {} : { commonName }),
    subject,
    issuer: formatName(cert.issuer),
    serialNumber: (cert.serialNumber ?? "").toUpperCase(),
    fingerprint256: cert.fingerprint256 ?? "",
    validTo: cert.valid_to ? new Date(cert.valid_to).toISOString() : "",
  };
}

function formatName(name: tls.Certificate | undefined): string {
  return Object.entries(name ?? {}).map(([k, v]) => `${k}=${pick(v as string | string[])}`).join(
    ",",
  );
}

function pick(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join("+") : value;
}
