import tls from "node:tls";
import type { ClientCertificate, ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { ListenerError } from "./errors.ts";
import { ConnectionLimit } from "./_limit.ts";
import { NodeConnection, nodeListener, type NodeListenerContext } from "./_node_conn.ts";
import { bindFailure, handOver, messageOf, type TlsFiles } from "./_util.ts";

/** Runs a TLS listener on `node:tls`, asking for client certificates signed by `files.ca`. */
export async function listenNodeTls(
  name: string,
  addr: BindAddress,
  files: TlsFiles & { ca: string },
  onConnection: ConnectionHandler,
  opts: ListenOptions & { requireClientCert?: boolean },
): Promise<Listener> {
  const ctx: NodeListenerContext = {
    listener: name,
    transport: "tls",
    limit: new ConnectionLimit(opts.maxConnections),
    onError: opts.onError,
  };
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
    if (!ctx.limit.tryAcquire()) return void socket.destroy();
    const certificate = socket.authorized ? describe(socket.getPeerCertificate()) : undefined;
    handOver(new NodeConnection(socket, ctx, certificate), onConnection, opts);
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
  return nodeListener(server, name, "tls");
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
