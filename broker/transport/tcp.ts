/**
 * Plain TCP listener.
 *
 * @module
 */

import type { ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { ListenerError } from "./errors.ts";
import { serveDenoListener } from "./_serve_deno.ts";
import { listenNodeTcp } from "./_node_tcp.ts";
import { bindFailure } from "./_util.ts";

/**
 * Listens for MQTT over plain TCP, with `Deno.listen` (`socket: "deno"`, the default: each
 * connection keeps one pending read into a 512-byte buffer while idle, `_deno_conn.ts`) or on
 * `node:net` (`socket: "node"`, `_node_tcp.ts`: no pending read, about 30% less memory per idle
 * connection, slower CONNECTs; for many mostly idle devices).
 *
 * Each connection gets `TCP_NODELAY`, hands over chunks the reader may keep, and writes every
 * byte in call order. Reading ends (and the connection closes) when the peer goes away.
 *
 * @throws {ListenerError} When the address cannot be bound.
 *
 * @example Echo server
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenTcp } from "./tcp.ts";
 * const listener = await listenTcp("default", { hostname: "127.0.0.1", port: 0 }, (conn) => {
 *   conn.start({ onData: (chunk) => conn.write(chunk), onEnd: () => {} });
 * });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
 * await client.write(new Uint8Array([1, 2, 3]));
 * const got = new Uint8Array(3);
 * assert.equal(await client.read(got), 3);
 * client.close();
 * await listener.close();
 * ```
 */
export function listenTcp(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: ListenOptions & { socket?: "deno" | "node" } = {},
): Promise<Listener> {
  if (opts.socket === "node") return listenNodeTcp(name, addr, onConnection, opts);
  let raw: Deno.TcpListener;
  try {
    raw = Deno.listen({ hostname: addr.hostname, port: addr.port, transport: "tcp" });
  } catch (cause) {
    return Promise.reject(new ListenerError(name, bindFailure(addr, cause), { cause }));
  }
  return Promise.resolve(serveDenoListener(raw, name, "tcp", onConnection, opts));
}
