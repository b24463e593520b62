/**
 * `host:port` bind addresses of listeners.
 *
 * @module
 */

/** A parsed bind address, shaped like the options of `Deno.listen`. */
export interface BindAddress {
  /** Host name or IP address, without IPv6 brackets. */
  hostname: string;
  /** Port, 0-65535 (0 = any free port). */
  port: number;
}

/**
 * Parses `host:port`; IPv6 hosts go in brackets (`[::1]:1883`).
 *
 * @throws {TypeError} when the text is not `host:port`.
 * @throws {RangeError} when the port is not 0-65535.
 * @example
 * ```ts
 * import { parseBind } from "./bind.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseBind("127.0.0.1:1883"), { hostname: "127.0.0.1", port: 1883 });
 * assert.deepEqual(parseBind("[::1]:8883"), { hostname: "::1", port: 8883 });
 * ```
 */
export function parseBind(bind: string): BindAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d+)$/.exec(bind);
  if (!match) {
    throw new TypeError(`Cannot parse bind address "${bind}": expected host:port`);
  }
  const port = Number(match[3]);
  if (port > 65535) {
    throw new RangeError(`Cannot parse bind address "${bind}": port ${port} is not 0-65535`);
  }
  return { hostname: match[1] ?? match[2], port };
}

/**
 * Formats a host and port as a bind address, bracketing IPv6 hosts.
 *
 * @example
 * ```ts
 * import { formatBind } from "./bind.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatBind("::1", 1883), "[::1]:1883");
 * assert.equal(formatBind("0.0.0.0", 8080), "0.0.0.0:8080");
 * ```
 */
export function formatBind(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
