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
