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
 * conn.start({ onData: (chunk) => conn.write(chunk), onEnd: () => {} }); // echo
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
  /**
   * Starts handing incoming bytes to `reader` (call once). Nothing per connection waits while no
   * bytes come: an idle connection costs its socket and this object.
   */
  start(reader: ConnectionReader): void;
  /** Writes all of `chunk`; resolves once it is handed to the OS, rejects when the connection is gone. */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the connection; safe to call more than once. */
  close(): void;
}

/**
 * Where a {@linkcode Connection} hands its incoming bytes: usually the broker's client, one method
 * pair shared by every connection instead of a read loop and its promises per connection.
 *
 * @example
 * ```ts ignore
 * conn.start({ onData: (chunk) => void got.push(chunk), onEnd: () => console.log("ended") });
 * ```
 */
export interface ConnectionReader {
  /**
   * Bytes arrived, in order (the reader may keep them). While a returned Promise is pending no
   * further bytes are handed over: that is how a slow reader holds the peer back.
   */
  onData(chunk: Uint8Array): void | Promise<void>;
  /**
   * The connection ended: the peer closed, reading failed, or {@linkcode Connection.close} was
   * called. Called once, after the last {@linkcode ConnectionReader.onData} settled.
   */
  onEnd(): void;
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
