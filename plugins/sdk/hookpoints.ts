// deno-lint-ignore-file aviary/max-file-lines -- one data table, one row per hookpoint
/**
 * The one table of hookpoints: each row declares its kind and chain rule, the event it carries,
 * and what it maps to in EMQX and aMQTT. Types, host dispatch and `docs/hookpoints.md` derive
 * from it, so a hookpoint cannot exist without its rule.
 *
 * The chain rule of each kind is written in `hookpoint_spec.ts`.
 *
 * @module
 */

import type {
  AckEvent,
  AuthenticateEvent,
  AuthorizeEvent,
  BrokerEvent,
  ClientEvent,
  ConnackEvent,
  ConnectEvent,
  ControlRequestEvent,
  DeliveryDroppedEvent,
  DeliveryEvent,
  EnhancedAuthEvent,
  Message,
  MessageDroppedEvent,
  PacketEvent,
  PubackEvent,
  RetainedEvent,
  SubscribeEvent,
  SubscriptionEvent,
  UnsubscribeEvent,
} from "./events.ts";
import { type HookpointKind, type HookpointSpec, shape } from "./hookpoint_spec.ts";

/**
 * Every hookpoint Aviary calls, in connect/publish flow order.
 *
 * @example Reading a hookpoint's kind
 * ```ts
 * import { HOOKPOINTS } from "./hookpoints.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(HOOKPOINTS["client.authorize"].kind, "decide");
 * ```
 */
export const HOOKPOINTS = {
  "broker.starting": {
    kind: "notify",
    event: shape<BrokerEvent>(),
    description: "Plugins are started, listeners not yet open",
    emqx: null,
    amqtt: "broker_pre_start",
  },
  "broker.started": {
    kind: "notify",
    event: shape<BrokerEvent>(),
    description: "Listeners are open",
    emqx: null,
    amqtt: "broker_post_start",
  },
  "client.connect": {
    kind: "decide",
    event: shape<ConnectEvent>(),
    description: "CONNECT received, before authentication; deny rejects the connection",
    emqx: "client.connect",
    amqtt: null,
    whenAllIgnore: "allow",
    role: null,
  },
  "client.authenticate": {
    kind: "decide",
    event: shape<AuthenticateEvent>(),
    description: "Check credentials; allow may carry `superuser: true`",
    emqx: "client.authenticate",
    amqtt: "authenticate (auth plugins)",
    whenAllIgnore: "deny",
    role: "auth",
  },
  "client.enhanced_auth": {
    kind: "decide",
    event: shape<EnhancedAuthEvent>(),
    description:
      "One round of MQTT 5 enhanced authentication (AUTH); may also answer `continue` with data",
    emqx: "client.authenticate (enhanced: SCRAM)",
    amqtt: null,
    whenAllIgnore: "deny",
    role: null,
  },
  "client.authorize": {
    kind: "decide",
    event: shape<AuthorizeEvent>(),
    description: "May this client publish / subscribe / receive on this topic",
    emqx: "client.authorize",
    amqtt: "topic_filtering (topic plugins)",
    whenAllIgnore: "deny",
    role: "topic_check",
  },
  "session.created": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "A new session was created",
    emqx: "session.created",
    amqtt: null,
  },
  "session.resumed": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "An existing session was resumed",
    emqx: "session.resumed",
    amqtt: null,
  },
  "session.discarded": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "An existing session was discarded by a clean start",
    emqx: "session.discarded",
    amqtt: null,
  },
  "session.takenover": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "A session was taken over by a new connection with the same client id",
    emqx: "session.takenover",
    amqtt: null,
  },
  "session.terminated": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "A session ended (expired, discarded, ...)",
    emqx: "session.terminated",
    amqtt: null,
  },
  "client.connected": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "The client is connected and authenticated",
    emqx: "client.connected",
    amqtt: "broker_client_connected",
  },
  "client.connack": {
    kind: "transform",
    event: shape<ConnackEvent>(),
    description: "Rewrite the CONNACK properties",
    emqx: "client.connack",
    amqtt: null,
    value: "properties",
    droppable: false,
  },
  "client.subscribe": {
    kind: "transform",
    event: shape<SubscribeEvent>(),
    description: "Rewrite the filter list of a SUBSCRIBE",
    emqx: "client.subscribe",
    amqtt: null,
    value: "filters",
    droppable: false,
  },
  "session.subscribed": {
    kind: "notify",
    event: shape<SubscriptionEvent>(),
    description: "A subscription was added",
    emqx: "session.subscribed",
    amqtt: "broker_client_subscribed",
  },
  "client.unsubscribe": {
    kind: "transform",
    event: shape<UnsubscribeEvent>(),
    description: "Rewrite the filter list of an UNSUBSCRIBE",
    emqx: "client.unsubscribe",
    amqtt: null,
    value: "filters",
    droppable: false,
  },
  "session.unsubscribed": {
    kind: "notify",
    event: shape<SubscriptionEvent>(),
    description: "A subscription was removed",
    emqx: "session.unsubscribed",
    amqtt: "broker_client_unsubscribed",
  },
  "message.publish": {
    kind: "transform",
    event: shape<Message>(),
    description: "Rewrite or drop a message before routing",
    emqx: "message.publish",
    amqtt: "broker_message_received",
    value: null,
    droppable: true,
  },
  "message.delivered": {
    kind: "transform",
    event: shape<DeliveryEvent>(),
    description: "Rewrite or drop a message for one subscriber",
    emqx: "message.delivered",
    amqtt: "broker_message_broadcast",
    value: "message",
    droppable: true,
  },
  "message.acked": {
    kind: "notify",
    event: shape<AckEvent>(),
    description: "A subscriber acknowledged a QoS 1/2 message",
    emqx: "message.acked",
    amqtt: null,
  },
  "message.puback": {
    kind: "notify",
    event: shape<PubackEvent>(),
    description: "The broker acknowledged a publisher's QoS 1/2 PUBLISH (PUBACK / PUBREC)",
    emqx: "message.puback",
    amqtt: null,
  },
  "message.dropped": {
    kind: "notify",
    event: shape<MessageDroppedEvent>(),
    description: "A message was routed to nobody",
    emqx: "message.dropped",
    amqtt: null,
  },
  "delivery.dropped": {
    kind: "notify",
    event: shape<DeliveryDroppedEvent>(),
    description: "A message for one subscriber was discarded",
    emqx: "delivery.dropped",
    amqtt: null,
  },
  "retained.stored": {
    kind: "notify",
    event: shape<RetainedEvent>(),
    description: "A retained message was stored or cleared",
    emqx: null,
    amqtt: "broker_retained_message",
  },
  "packet.received": {
    kind: "notify",
    event: shape<PacketEvent>(),
    description: "An MQTT packet was decoded",
    emqx: null,
    amqtt: "mqtt_packet_received",
  },
  "packet.sent": {
    kind: "notify",
    event: shape<PacketEvent>(),
    description: "An MQTT packet was written",
    emqx: null,
    amqtt: "mqtt_packet_sent",
  },
  "client.disconnected": {
    kind: "notify",
    event: shape<ClientEvent>(),
    description: "The client's connection closed",
    emqx: "client.disconnected",
    amqtt: "broker_client_disconnected",
  },
  "control.request": {
    kind: "call",
    event: shape<ControlRequestEvent>(),
    description: "A request on `$CONTROL/<alias>/v1`; the answer is published back (Mosquitto)",
    emqx: null,
    amqtt: null,
  },
  "broker.stopping": {
    kind: "notify",
    event: shape<BrokerEvent>(),
    description: "Shutdown begins; listeners still open",
    emqx: null,
    amqtt: "broker_pre_shutdown",
  },
  "broker.stopped": {
    kind: "notify",
    event: shape<BrokerEvent>(),
    description: "Listeners closed; plugins are stopped next",
    emqx: null,
    amqtt: "broker_post_shutdown",
  },
} as const satisfies Record<string, HookpointSpec>;

/** Type of the table. */
export type Hookpoints = typeof HOOKPOINTS;

/** A hookpoint name such as `"message.publish"`. */
export type HookpointName = keyof Hookpoints;

/** Hookpoint names of one kind. */
export type HookpointOfKind<K extends HookpointKind> = {
  [H in HookpointName]: Hookpoints[H]["kind"] extends K ? H : never;
}[HookpointName];

/** Decide hookpoints. */
export type DecideHookpoint = HookpointOfKind<"decide">;
/** Transform hookpoints. */
export type TransformHookpoint = HookpointOfKind<"transform">;
/** Notify hookpoints. */
export type NotifyHookpoint = HookpointOfKind<"notify">;
/** Call hookpoints (one plugin, addressed by alias). */
export type CallHookpoint = HookpointOfKind<"call">;

/** The event a hookpoint carries. */
export type EventOf<H extends HookpointName> = Hookpoints[H]["event"];

/** The rewritable value of a transform hookpoint (the whole event when `value` is null). */
export type TransformValue<H extends TransformHookpoint> = Hookpoints[H]["value"] extends
  keyof EventOf<H> ? EventOf<H>[Hookpoints[H]["value"]] : EventOf<H>;

// Compile-time check: every transform row's `value` names a field of its event (or is null);
// a row that does not makes this a type error naming it.
type _BadValueKeys = {
  [H in TransformHookpoint]: Hookpoints[H]["value"] extends keyof EventOf<H> | null ? never : H;
}[TransformHookpoint];
const _noBadValueKeys: [_BadValueKeys] extends [never] ? true : _BadValueKeys = true;
void _noBadValueKeys;

/** Every hookpoint name, in table order. */
export const HOOKPOINT_NAMES: readonly HookpointName[] = Object.keys(HOOKPOINTS) as HookpointName[];

/**
 * Whether a string is a hookpoint name.
 *
 * @example
 * ```ts
 * import { isHookpoint } from "./hookpoints.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isHookpoint("message.publish"), true);
 * assert.equal(isHookpoint("message.publsh"), false);
 * ```
 */
export function isHookpoint(name: string): name is HookpointName {
  return Object.hasOwn(HOOKPOINTS, name);
}
