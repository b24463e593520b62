/**
 * TLS listener, with optional client certificates (mutual TLS).
 *
 * @module
 */

import type { ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { ListenerError } from "./errors.ts";
import { serveDenoListener } from "./_serve_deno.ts";
import { listenNodeTls } from "./_node_tls.ts";
import { bindFailure, messageOf, readTlsFiles } from "./_util.ts";

/** Certificate files of a TLS listener (paths, as in the config). */
export interface TlsListenOptions extends ListenOptions {
  /** PEM certificate chain: the server (leaf) certificate first. */
  cert: string | null;
  /** PEM private key of the server certificate. */
  key: string | null;
  /** PEM CA bundle verifying client certificates; asks clients for a certificate when set. */
  ca?: string | null;
  /** Refuse clients without a valid certificate signed by `ca`. */
  requireClientCert?: boolean;
}

/** The ALPN protocol offered by TLS listeners. */
export const MQTT_ALPN = "mqtt";

/**
 * Listens for MQTT over TLS, offering ALPN `mqtt`.
 *
 * Without `ca` it runs on `Deno.listenTls`. With `ca` it runs on `node:tls`, the only server in
 * Deno 2.9 that asks for client certificates: the certificate is verified against `ca`, a client
 * without one is refused when `requireClientCert` is set, and the verified certificate is in
 * {@linkcode Connection.clientCertificate}.
 *
 * @throws {ListenerError} When a file is missing or unreadable, `requireClientCert` comes
 * without `ca`, or the address cannot be bound.
 *
 * @example
 * ```ts ignore
 * const addr = { hostname: "0.0.0.0", port: 8883 };
 * const listener = await listenTls("secure", addr, (conn) => broker.accept(conn), {
 *   cert: "certs/server.crt",
 *   key: "certs/server.key",
 * });
 * ```
 */
export async function listenTls(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: TlsListenOptions,
): Promise<Listener> {
  if (opts.requireClientCert && !opts.ca) {
    throw new ListenerError(name, 'require_client_cert needs option "ca"');
  }
  const files = await readTlsFiles(name, opts);
  if (files.ca !== undefined) {
    return listenNodeTls(name, addr, { ...files, ca: files.ca }, onConnection, opts);
  }
  const { hostname, port } = addr;
  const { cert, key } = files;
  let raw: Deno.TlsListener;
  try {
    raw = Deno.listenTls({ hostname, port, cert, key, alpnProtocols: [MQTT_ALPN] });
  } catch (cause) {
    throw new ListenerError(name, tlsFailure(addr, cause), { cause });
  }
  return serveDenoListener(raw, name, "tls", onConnection, opts);
}

/** A bind failure, or a certificate/key the TLS stack refused. */
function tlsFailure(addr: BindAddress, cause: unknown): string {
  if (cause instanceof Deno.errors.AddrInUse || cause instanceof Deno.errors.AddrNotAvailable) {
    return bindFailure(addr, cause);
  }
  if (cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotCapable) {
    return bindFailure(addr, cause);
  }
  return `cannot use the certificate or key: ${messageOf(cause)}`;
}
