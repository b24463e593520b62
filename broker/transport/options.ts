/**
 * Options shared by every listener.
 *
 * @module
 */

/** Where a listener binds. */
export interface BindAddress {
  /** A host name or literal IP address, without brackets (`::1`, not `[::1]`). */
  hostname: string;
  /** The port; 0 asks the OS for a free one. */
  port: number;
}

/** Tuning and reporting shared by every listener. */
export interface ListenOptions {
  /** Simultaneous connections allowed; more are closed at once. 0 or absent = unlimited. */
  maxConnections?: number;
  /**
   * Told about failures that do not stop the listener: a failed accept, a TLS handshake a
   * client got wrong, a connection reset with an unexpected error. Absent = silent.
   */
  onError?: (error: Error) => void;
}

/** One listener, keyed by name under `listeners:`. */
export interface ListenerConfig {
  /** `tcp`, `tls`, `ws` (WebSocket) or `wss` (secure WebSocket). */
  type: "tcp" | "tls" | "ws" | "wss";
  /** `host:port` to bind, for example `127.0.0.1:1883`. */
  bind: string;
  /** PEM certificate chain file (tls, wss), resolved against the config file's directory. */
  cert: string | null;
  /** PEM private key file (tls, wss), resolved against the config file's directory. */
  key: string | null;
  /** PEM CA file used to verify client certificates (tls, wss), resolved like `cert`. */
  ca: string | null;
  /** Require a client certificate signed by `ca`. */
  require_client_cert: boolean;
  /** HTTP path of the WebSocket endpoint (ws, wss). */
  path: string;
  /** Maximum simultaneous connections on this listener; 0 = unlimited. */
  max_connections: number;
  /**
   * Socket implementation of a `tcp` listener: `deno` (`Deno.listen`, the default: least CPU per
   * packet) or `node` (`node:net`: about 30% less memory per idle connection).
   */
  socket: "deno" | "node";
}
