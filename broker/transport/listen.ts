/**
 * Starts the listener a config entry describes.
 *
 * @module
 */

import type { ListenerConfig } from "./options.ts";
import type { ConnectionHandler, Listener } from "./connection.ts";
import type { ListenOptions } from "./options.ts";
import { parseBind } from "./address.ts";
import { ListenerError } from "./errors.ts";
import { listenTcp } from "./tcp.ts";
import { listenTls } from "./tls.ts";
import { listenWs, listenWss } from "./ws.ts";

/**
 * Starts listener `name` as configured: `tcp`, `tls`, `ws` or `wss` on `cfg.bind`.
 *
 * `bind` port 0 picks a free port, reported in {@linkcode Listener.port}. `max_connections`
 * (0 = unlimited) closes connections beyond it at once (ws/wss answer 503).
 *
 * @throws {ListenerError} When the bind address is malformed or cannot be bound, a PEM file is
 * unreadable, or the runtime cannot do what is asked (client certificates on wss).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startListener } from "./listen.ts";
 * const listener = await startListener("default", {
 *   type: "tcp",
 *   bind: "127.0.0.1:0",
 *   cert: null,
 *   key: null,
 *   ca: null,
 *   require_client_cert: false,
 *   path: "/mqtt",
 *   max_connections: 0,
 *   socket: "deno",
 * }, (conn) => conn.close());
 * assert.ok(listener.port > 0);
 * await listener.close();
 * ```
 */
export async function startListener(
  name: string,
  cfg: ListenerConfig,
  onConnection: ConnectionHandler,
  opts: Pick<ListenOptions, "onError"> = {},
): Promise<Listener> {
  let addr;
  try {
    addr = parseBind(cfg.bind);
  } catch (cause) {
    throw new ListenerError(name, (cause as Error).message, { cause });
  }
  const common = { ...opts, maxConnections: cfg.max_connections };
  switch (cfg.type) {
    case "tcp":
      return await listenTcp(name, addr, onConnection, { ...common, socket: cfg.socket });
    case "tls":
      return await listenTls(name, addr, onConnection, {
        ...common,
        cert: cfg.cert,
        key: cfg.key,
        ca: cfg.ca,
        requireClientCert: cfg.require_client_cert,
      });
    case "ws":
      return listenWs(name, addr, onConnection, { ...common, path: cfg.path });
    case "wss":
      if (cfg.require_client_cert || cfg.ca) {
        throw new ListenerError(
          name,
          "client certificates (ca, require_client_cert) on wss are not supported by this runtime",
        );
      }
      return await listenWss(name, addr, onConnection, {
        ...common,
        path: cfg.path,
        cert: cfg.cert,
        key: cfg.key,
      });
    default:
      throw new ListenerError(name, `unknown listener type "${(cfg as { type: string }).type}"`);
  }
}
