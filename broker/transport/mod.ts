/**
 * Transports: the listeners that turn sockets into {@linkcode Connection}s for the broker core,
 * and an in-memory pair for tests.
 *
 * @example
 * ```ts ignore
 * import { startListener } from "./mod.ts";
 * const listener = await startListener("default", config.listeners.default, (conn) => core(conn));
 * ```
 *
 * @module
 */

export type {
  ClientCertificate,
  Connection,
  ConnectionHandler,
  Listener,
  TransportKind,
} from "./connection.ts";
export type { BindAddress, ListenOptions } from "./options.ts";
export { formatAddr, parseBind } from "./address.ts";
export { ConnectionClosedError, ListenerError } from "./errors.ts";
export { startListener } from "./listen.ts";
export { listenTcp } from "./tcp.ts";
export { listenTls, MQTT_ALPN, type TlsListenOptions } from "./tls.ts";
export {
  DEFAULT_WS_PATH,
  listenWs,
  listenWss,
  MQTT_SUBPROTOCOLS,
  type WsListenOptions,
  type WssListenOptions,
} from "./ws.ts";
export { type ClientEnd, memoryPair, type MemoryPairOptions } from "./memory.ts";
