/**
 * Plain TCP listener.
 *
 * @module
 */

import type { ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { ListenerError } from "./errors.ts";
import { serveDenoListener } from "./_serve_deno.ts";
import { bindFailure } from "./_util.ts";

/**
 * Listens for MQTT over plain TCP with `Deno.listen`.
 *
 * Each connection gets `TCP_NODELAY`, reads into a small buffer (4 KiB, growing to 64 KiB while
 * reads fill it) and yields copies the caller may keep, and writes every byte in call order.
 * The readable ends (and the connection closes) when the peer goes away.
 *
 * @throws {ListenerError} When the address cannot be bound.
 *
 * @example Echo server
 * ```ts ignore
 * const listener = listenTcp("default", { hostname: "127.0.0.1", port: 0 }, async (conn) => {
 *   for await (const chunk of conn.readable) await conn.write(chunk);
 * });
 * console.log(`listening on port ${listener.port}`);
 * await listener.close();
 * ```
 */
export function listenTcp(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: ListenOptions = {},
): Listener {
  let raw: Deno.TcpListener;
  try {
    raw = Deno.listen({ hostname: addr.hostname, port: addr.port, transport: "tcp" });
  } catch (cause) {
    throw new ListenerError(name, bindFailure(addr, cause), { cause });
  }
  return serveDenoListener(raw, name, "tcp", onConnection, opts);
}
