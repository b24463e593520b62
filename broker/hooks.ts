/**
 * The seam between the MQTT core and extensions: the core calls these at fixed points and knows
 * nothing about plugins. The plugin host provides an implementation; without plugins the broker
 * uses {@linkcode defaultHooks}.
 *
 * Every method may answer synchronously; the core only awaits when it gets a Promise, so hooks
 * nobody registered cost nothing.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Message, QoS } from "./message.ts";

/** What the core knows about a client, as handed to extensions (plain data). */
export interface ClientInfo {
  clientId: string;
  username?: string;
  listener: string;
  transport: string;
  remoteAddr: string;
  protocolVersion: 3 | 4 | 5;
  cleanStart: boolean;
  keepalive: number;
  superuser: boolean;
}

/** The outcome of authentication. */
export interface AuthResult {
  allow: boolean;
  /** MQTT 5 CONNACK reason code on denial (default 0x87 Not authorized). */
  reasonCode?: number;
  reason?: string;
  superuser?: boolean;
}

/** An authorization question: may this client do this with this topic? */
export interface AuthorizeRequest {
  client: ClientInfo;
  action: "publish" | "subscribe" | "receive";
  topic: string;
  qos: QoS;
  retain: boolean;
}

/** Names of notification events the core emits. */
export type NotifyEvent =
  | "client.connected"
  | "client.disconnected"
  | "session.created"
  | "session.resumed"
  | "session.discarded"
  | "session.takenover"
  | "session.terminated"
  | "session.subscribed"
  | "session.unsubscribed"
  | "message.acked"
  | "message.dropped"
  | "delivery.dropped"
  | "retained.stored"
  | "packet.received"
  | "packet.sent";

/** Extension points the core calls. */
export interface BrokerHooks {
  /** Whether anyone listens to `event` (the core skips building the event otherwise). */
  has(event: NotifyEvent | "message.publish" | "message.delivered" | "client.authorize"): boolean;
  /** Decides a CONNECT. */
  authenticate(
    client: ClientInfo,
    password: Buffer | undefined,
  ): AuthResult | Promise<AuthResult>;
  /** Decides a publish, a subscribe, or a delivery to one subscriber. */
  authorize(req: AuthorizeRequest): boolean | Promise<boolean>;
  /** May rewrite or drop (null) an inbound message before routing. */
  publish(msg: Message, from: ClientInfo | undefined): Message | null | Promise<Message | null>;
  /** May rewrite or drop (null) a message for one subscriber. */
  deliver(to: ClientInfo, msg: Message): Message | null | Promise<Message | null>;
  /** Fire-and-forget notification. */
  notify(event: NotifyEvent, payload: Record<string, unknown>): void;
}

/**
 * Hooks with no plugins: anonymous clients allowed only when `allowAnonymous`, everything else
 * allowed and unchanged.
 *
 * @example
 * ```ts
 * import { defaultHooks } from "./hooks.ts";
 * const hooks = defaultHooks({ allowAnonymous: false });
 * const r = hooks.authenticate({ clientId: "c" } as never, undefined);
 * console.assert(!("then" in r) && r.allow === false);
 * ```
 */
export function defaultHooks(opts: { allowAnonymous: boolean }): BrokerHooks {
  return {
    has: () => false,
    authenticate: () =>
      opts.allowAnonymous
        ? { allow: true }
        : { allow: false, reasonCode: 0x87, reason: "Not authorized" },
    authorize: () => true,
    publish: (msg) => msg,
    deliver: (_to, msg) => msg,
    notify: () => {},
  };
}
