/**
 * Errors raised by the transport layer.
 *
 * @module
 */

/**
 * A listener could not start: a bad bind address, an unreadable certificate file, a port in use,
 * or an option this runtime cannot honour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ListenerError } from "./errors.ts";
 * const err = new ListenerError("secure", 'cannot read cert file "/nope.pem"');
 * assert.equal(err.message, 'Cannot start listener "secure": cannot read cert file "/nope.pem"');
 * ```
 */
export class ListenerError extends Error {
  /** The name of the listener in the config. */
  readonly listener: string;

  /** Creates the error; `reason` says what failed, in lower case. */
  constructor(listener: string, reason: string, options?: ErrorOptions) {
    super(`Cannot start listener "${listener}": ${reason}`, options);
    this.name = "ListenerError";
    this.listener = listener;
  }
}

/**
 * A write on a connection that is closed or broke while writing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionClosedError } from "./errors.ts";
 * const err = new ConnectionClosedError("127.0.0.1:50000");
 * assert.equal(err.message, "Connection to 127.0.0.1:50000 is closed");
 * ```
 */
export class ConnectionClosedError extends Error {
  /** The peer address as `host:port`. */
  readonly remoteAddr: string;

  /** Creates the error for the connection to `remoteAddr`. */
  constructor(remoteAddr: string, options?: ErrorOptions) {
    super(`Connection to ${remoteAddr} is closed`, options);
    this.name = "ConnectionClosedError";
    this.remoteAddr = remoteAddr;
  }
}
