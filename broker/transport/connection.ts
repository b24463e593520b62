/**
 * The transport-agnostic byte pipe the broker core speaks MQTT over.
 *
 * TCP, TLS, WebSocket and in-memory test pairs all produce a {@linkcode Connection};
 * the core never touches a socket directly.
 *
 * @module
 */

/** Which kind of listener accepted a connection. */
export type TransportKind = "tcp" | "tls" | "ws" | "wss" | "memory";

/**
 * One accepted client connection.
 *
 * @example Reading and writing
 * ```ts ignore
 * for await (const chunk of conn.readable) await conn.write(chunk); // echo
 * conn.close();
 * ```
 */
export interface Connection {
  /** The name of the listener in the config (for example `default`). */
  readonly listener: string;
  /** The transport the listener speaks. */
  readonly transport: TransportKind;
  /** The peer address as `host:port`. */
  readonly remoteAddr: string;
  /**
   * The client certificate verified during the TLS handshake; absent when the listener asks for
   * none (no `ca`), the client sent none, or the transport is not TLS.
   */
  readonly clientCertificate?: ClientCertificate;
  /** Incoming bytes, in order; ends when the peer closes or {@linkcode Connection.close} is called. */
  readonly readable: AsyncIterable<Uint8Array>;
  /** Writes all of `chunk`; resolves once it is handed to the OS, rejects when the connection is gone. */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the connection; safe to call more than once. */
  close(): void;
}

/**
 * A client certificate that passed verification against the listener's `ca`.
 *
 * Plain data, safe to hand to plugins.
 *
 * @example Using the common name as the identity
 * ```ts ignore
 * const identity = conn.clientCertificate?.commonName ?? "anonymous";
 * ```
 */
export interface ClientCertificate {
  /** The subject common name (CN), when the subject has one. */
  readonly commonName?: string;
  /** The subject as `key=value` pairs joined by commas, for example `CN=device-1,O=Acme`. */
  readonly subject: string;
  /** The issuer, formatted like {@linkcode ClientCertificate.subject}. */
  readonly issuer: string;
  /** The serial number in upper-case hex. */
  readonly serialNumber: string;
  /** The SHA-256 fingerprint as colon-separated upper-case hex. */
  readonly fingerprint256: string;
  /** End of validity as an ISO 8601 date and time. */
  readonly validTo: string;
}

/** A running listener. */
export interface Listener {
  /** The name of the listener in the config. */
  readonly name: string;
  /** The transport it speaks. */
  readonly transport: TransportKind;
  /** The address it is bound to (the real port when 0 was asked for). */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting; existing connections are left to the broker to close. */
  close(): Promise<void>;
}

/** Called once for each accepted connection. */
export type ConnectionHandler = (conn: Connection) => void;
