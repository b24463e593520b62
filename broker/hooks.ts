/**
 * The seam between the MQTT core and extensions: the core calls these at fixed points and knows
 * nothing about how plugins run. Events are the SDK's plain data types (`plugins/sdk/events.ts`),
 * so what the core builds is exactly what a plugin receives. `server/plugins.ts` backs this with
 * the plugin host; without plugins the broker uses {@linkcode defaultHooks}.
 *
 * Every method may answer synchronously; the core only awaits a Promise, and builds an event only
 * when {@linkcode BrokerHooks.has} says someone listens.
 *
 * @module
 */
import type {
  AuthenticateEvent,
  AuthorizeEvent,
  ClientInfo,
  ConnackProperties,
  EnhancedAuthEvent,
  EventOf,
  HookpointName,
  NotifyHookpoint,
  SubscriptionRequest,
} from "../plugins/sdk/mod.ts";
import type { Message } from "./message.ts";

export type {
  AuthorizeEvent,
  ClientInfo,
  ConnackProperties,
  EnhancedAuthEvent,
  SubscriptionRequest,
};

/** The outcome of authentication. */
export interface AuthResult {
  allow: boolean;
  /** MQTT 5 CONNACK reason code on denial (default 0x87 Not authorized, 0x86 with a username). */
  reasonCode?: number;
  reason?: string;
  superuser?: boolean;
}

/**
 * The outcome of one round of MQTT 5 enhanced authentication: another round (`continue`: the
 * broker sends AUTH 0x18 with `authData`), in (`allow`, with the final data), out (`deny`), or
 * `unsupported`: nobody handles the method (CONNACK 0x8C, spec [MQTT-4.12.0-1]).
 */
export type EnhancedAuthResult =
  | { result: "continue"; authData?: Uint8Array; state?: unknown }
  | { result: "allow"; authData?: Uint8Array; superuser?: boolean }
  | { result: "deny"; reasonCode?: number }
  | { result: "unsupported" };

/** Extension points the core calls. */
export interface BrokerHooks {
  /** Whether anyone listens to `hook` (the core skips building the event otherwise). */
  has(hook: HookpointName): boolean;
  /** Decides a CONNECT (client.connect, then client.authenticate). */
  authenticate(event: AuthenticateEvent): AuthResult | Promise<AuthResult>;
  /**
   * One round of MQTT 5 enhanced authentication (client.enhanced_auth); absent: no method is
   * supported (a CONNECT naming one is refused with 0x8C).
   */
  enhancedAuth?(event: EnhancedAuthEvent): EnhancedAuthResult | Promise<EnhancedAuthResult>;
  /** Decides a publish, a subscribe, or a delivery to one subscriber (client.authorize). */
  authorize(event: AuthorizeEvent): boolean | Promise<boolean>;
  /** May rewrite or remove filters of a SUBSCRIBE (client.subscribe); removed ones are refused. */
  subscribe(
    client: ClientInfo,
    filters: SubscriptionRequest[],
  ): SubscriptionRequest[] | Promise<SubscriptionRequest[]>;
  /** May remove filters of an UNSUBSCRIBE (client.unsubscribe); removed ones stay subscribed. */
  unsubscribe(client: ClientInfo, filters: string[]): string[] | Promise<string[]>;
  /** May add user properties or a reason string to a successful CONNACK (client.connack). */
  connack(
    client: ClientInfo,
    properties: ConnackProperties,
  ): ConnackProperties | Promise<ConnackProperties>;
  /** May rewrite or drop (null) an inbound message before routing (message.publish). */
  publish(msg: Message): Message | null | Promise<Message | null>;
  /** May rewrite or drop (null) a message for one subscriber (message.delivered). */
  deliver(to: ClientInfo, msg: Message): Message | null | Promise<Message | null>;
  /** Fire-and-forget notification. */
  notify<H extends NotifyHookpoint>(hook: H, event: EventOf<H>): void;
}

/**
 * Notifies `hook` with the event `make` builds, built only when someone listens: the one way the
 * core sends a notification.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultHooks, emit } from "./hooks.ts";
 * let built = false;
 * emit(defaultHooks({ allowAnonymous: true }), "retained.stored", () => {
 *   built = true;
 *   return { message: {} as never };
 * });
 * assert.equal(built, false); // no listener: the event is never built
 * ```
 */
export function emit<H extends NotifyHookpoint>(
  hooks: BrokerHooks,
  hook: H,
  make: () => EventOf<H>,
): void {
  if (hooks.has(hook)) hooks.notify(hook, make());
}

/**
 * Hooks with no plugins: anonymous clients allowed only when `allowAnonymous`, everything else
 * allowed and unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultHooks } from "./hooks.ts";
 * const hooks = defaultHooks({ allowAnonymous: false });
 * const r = hooks.authenticate({ client: { clientId: "c" } } as never);
 * assert.ok(!("then" in r) && r.allow === false);
 * ```
 */
export function defaultHooks(opts: { allowAnonymous: boolean }): BrokerHooks {
  return {
    has: () => false,
    authenticate: () =>
      opts.allowAnonymous ? { allow: true } : { allow: false, reason: "Not authorized" },
    authorize: () => true,
    subscribe: (_client, filters) => filters,
    unsubscribe: (_client, filters) => filters,
    connack: (_client, properties) => properties,
    publish: (msg) => msg,
    deliver: (_to, msg) => msg,
    notify: () => {},
  };
}
