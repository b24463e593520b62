/**
 * WebSocket (`ws`) and secure WebSocket (`wss`) listeners on `Deno.serve`.
 *
 * @module
 */

import type { ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { formatAddr } from "./address.ts";
import { ListenerError } from "./errors.ts";
import { ConnectionLimit } from "./_limit.ts";
import { WsConnection } from "./_ws_conn.ts";
import { bindFailure, handOver, readTlsFiles } from "./_util.ts";

/** Subprotocols accepted, in order of preference (`mqttv3.1` is what MQTT 3.1 clients send). */
export const MQTT_SUBPROTOCOLS: readonly string[] = ["mqtt", "mqttv3.1"];

/** The default HTTP path of the WebSocket endpoint. */
export const DEFAULT_WS_PATH = "/mqtt";

/** Options of a WebSocket listener. */
export interface WsListenOptions extends ListenOptions {
  /** HTTP path of the endpoint; other paths get 404. Default `/mqtt`. */
  path?: string;
}

/** Options of a secure WebSocket listener (paths, as in the config). */
export interface WssListenOptions extends WsListenOptions {
  /** PEM certificate chain: the server (leaf) certificate first. */
  cert: string | null;
  /** PEM private key of the server certificate. */
  key: string | null;
}

/**
 * Listens for MQTT over WebSocket.
 *
 * Only upgrade requests on `path` offering subprotocol `mqtt` or `mqttv3.1` (or none) become
 * connections: other paths get 404, plain HTTP requests 426, other subprotocols 400, and a full
 * listener 503. The connection is handed over once the socket is open. Closing the listener
 * also closes its open WebSockets (that is what `Deno.serve` shutdown does).
 *
 * @throws {ListenerError} When the address cannot be bound.
 *
 * @example
 * ```ts ignore
 * const listener = listenWs("web", { hostname: "0.0.0.0", port: 8080 }, (conn) => accept(conn));
 * ```
 */
export function listenWs(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: WsListenOptions = {},
): Listener {
  return serveWs(name, addr, onConnection, opts, undefined);
}

/**
 * Listens for MQTT over secure WebSocket; like {@linkcode listenWs} with TLS from PEM files.
 *
 * Client certificates are not possible here: `Deno.serve` cannot ask for them.
 *
 * @throws {ListenerError} When a file is missing or unreadable, or the address cannot be bound.
 *
 * @example
 * ```ts ignore
 * const addr = { hostname: "0.0.0.0", port: 8081 };
 * const listener = await listenWss("web-secure", addr, (conn) => accept(conn), {
 *   cert: "certs/server.crt",
 *   key: "certs/server.key",
 * });
 * ```
 */
export async function listenWss(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: WssListenOptions,
): Promise<Listener> {
  const files = await readTlsFiles(name, { cert: opts.cert, key: opts.key });
  return serveWs(name, addr, onConnection, opts, files);
}

function serveWs(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: WsListenOptions,
  tls: { cert: string; key: string } | undefined,
): Listener {
  const transport = tls ? "wss" : "ws";
  const path = opts.path || DEFAULT_WS_PATH;
  const limit = new ConnectionLimit(opts.maxConnections);
  const handler = (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response => {
    const checked = checkUpgrade(req, path);
    if (checked instanceof Response) return checked;
    if (!limit.tryAcquire()) return text(503, "Too many connections");
    const onClose = limit.releaser();
    // Read before the upgrade: reading `info` after it makes Deno 2.9 drop the upgrade response.
    const remoteAddr = formatAddr(info.remoteAddr.hostname, info.remoteAddr.port);
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req, checked);
    } catch {
      onClose();
      return text(400, "Bad WebSocket upgrade request");
    }
    const conn = new WsConnection(upgraded.socket, {
      listener: name,
      transport,
      remoteAddr,
      onClose,
    });
    const open = () => handOver(conn, onConnection, opts);
    upgraded.socket.addEventListener("open", open, { once: true });
    return upgraded.response;
  };
  const server = serve(name, addr, tls, opts, handler);
  const { hostname, port } = server.addr;
  return { name, transport, hostname, port, close: () => server.shutdown() };
}

/**
 * The refusal of a request that cannot become an MQTT WebSocket on `path` (404 elsewhere, 426
 * without an upgrade, 400 for other subprotocols), or the upgrade options with the subprotocol
 * chosen.
 */
function checkUpgrade(req: Request, path: string): Response | Deno.UpgradeWebSocketOptions {
  if (new URL(req.url).pathname !== path) return text(404, "Not found");
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return text(426, "Upgrade to websocket required", { upgrade: "websocket" });
  }
  const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",")
    .map((p) => p.trim()).filter((p) => p !== "");
  const protocol = MQTT_SUBPROTOCOLS.find((p) => offered.includes(p));
  if (offered.length > 0 && protocol === undefined) {
    return text(400, `Unsupported WebSocket subprotocol, expected ${MQTT_SUBPROTOCOLS[0]}`);
  }
  return protocol ? { protocol } : {};
}

/** Binds the HTTP server of a WebSocket listener. */
function serve(
  name: string,
  addr: BindAddress,
  tls: { cert: string; key: string } | undefined,
  opts: ListenOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve({
      hostname: addr.hostname,
      port: addr.port,
      ...tls,
      onListen() {},
      onError: (error) => {
        if (error instanceof Error) opts.onError?.(error);
        return text(500, "Internal server error");
      },
    }, handler);
  } catch (cause) {
    throw new ListenerError(name, bindFailure(addr, cause), { cause });
  }
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain", ...headers } });
}
