/**
 * Parsing and formatting of `host:port` addresses.
 *
 * @module
 */

import type { BindAddress } from "./options.ts";

/**
 * Parses a `bind` value: `127.0.0.1:1883`, `[::1]:1883`, `localhost:8883`, `0.0.0.0:0`.
 *
 * @throws {TypeError} When the text is not `host:port`.
 * @throws {RangeError} When the port is not an integer from 0 to 65535.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBind } from "./address.ts";
 * const { hostname, port } = parseBind("[::1]:1883");
 * assert.deepEqual([hostname, port], ["::1", 1883]);
 * ```
 */
export function parseBind(bind: string): BindAddress {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d+)$/.exec(bind.trim());
  if (match === null) {
    throw new TypeError(`Invalid bind address "${bind}": expected host:port or [ipv6]:port`);
  }
  const port = Number(match[3]);
  if (!Number.isSafeInteger(port) || port > 65535) {
    throw new RangeError(`Invalid bind address "${bind}": port must be from 0 to 65535`);
  }
  return { hostname: match[1] ?? match[2], port };
}

/**
 * Formats a host and port as `host:port`, with brackets around IPv6 addresses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAddr } from "./address.ts";
 * assert.equal(formatAddr("::1", 1883), "[::1]:1883");
 * assert.equal(formatAddr("127.0.0.1", 1883), "127.0.0.1:1883");
 * ```
 */
export function formatAddr(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
