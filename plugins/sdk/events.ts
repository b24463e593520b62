/**
 * The plain, structured-clone-safe data that crosses from the broker into a plugin.
 *
 * Nothing here is a live broker object: every value can be posted to a Worker.
 *
 * @module
 */

/** Who a client is, as the broker knows it after CONNECT. */
export interface ClientInfo {
  /** MQTT client identifier (assigned by the broker when the client sent an empty one). */
  clientId: string;
  /** Username from CONNECT, or null when the client sent none. */
  username: string | null;
  /** Name of the listener (key under `listeners:`) the client connected through. */
  listener: string;
  /** Transport of that listener. */
  transport: "tcp" | "tls" | "ws" | "wss";
  /** Peer address as `host:port`. */
  remoteAddr: string;
  /** 3 (3.1), 4 (3.1.1) or 5. */
  protocolVersion: 3 | 4 | 5;
  /** Clean Start (v5) / Clean Session (v3) flag. */
  cleanStart: boolean;
  /** Keep alive in seconds. */
  keepalive: number;
  /** Set once an authenticate hook allowed the client with `superuser: true`. */
  superuser?: boolean;
}

/** MQTT 5 user properties: a name may repeat, so values may be lists. */
export type UserProperties = Record<string, string | string[]>;

/** MQTT 5 PUBLISH properties a plugin may read or rewrite. */
export interface MessageProperties {
  userProperties?: UserProperties;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
}

/** An application message on its way through the broker. */
export interface Message {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: MessageProperties;
  /** Publisher; `clientId` is `$plugin/<alias>` for messages a plugin published. */
  from: { clientId: string; username: string | null };
}

/** One entry of a SUBSCRIBE packet. */
export interface SubscriptionRequest {
  topic: string;
  qos: 0 | 1 | 2;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

/** `client.connect`: a CONNECT arrived, before authentication. */
export interface ConnectEvent {
  client: ClientInfo;
  /** v5 CONNECT user properties. */
  userProperties?: UserProperties;
}

/** CONNACK properties a `client.connack` hook may rewrite. */
export interface ConnackProperties {
  userProperties?: UserProperties;
  reasonString?: string;
}

/** `client.connack`: the broker is about to answer CONNECT. */
export interface ConnackEvent {
  client: ClientInfo;
  /** MQTT 5 reason code the broker is about to send (0 = success). */
  reasonCode: number;
  properties: ConnackProperties;
}

/** `client.authenticate`: credentials to check. */
export interface AuthenticateEvent {
  client: ClientInfo;
  /** Password bytes from CONNECT, absent when the client sent none. */
  password?: Uint8Array;
}

/** What a client is trying to do with a topic. `receive` is checked per subscriber (aMQTT). */
export type AuthorizeAction = "publish" | "subscribe" | "receive";

/** `client.authorize`: may this client do this with this topic? */
export interface AuthorizeEvent {
  client: ClientInfo;
  action: AuthorizeAction;
  /** Topic name (publish, receive) or topic filter (subscribe). */
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** `client.subscribe`: the filters of one SUBSCRIBE packet, rewritable. */
export interface SubscribeEvent {
  client: ClientInfo;
  filters: SubscriptionRequest[];
}

/** `client.unsubscribe`: the filters of one UNSUBSCRIBE packet, rewritable. */
export interface UnsubscribeEvent {
  client: ClientInfo;
  filters: string[];
}

/** `client.connected`, `session.*`: something happened to a client or its session. */
export interface ClientEvent {
  client: ClientInfo;
  /** Why, for `client.disconnected` and session ends (e.g. `normal`, `keepalive_timeout`, `takenover`). */
  reason?: string;
}

/** `session.subscribed` / `session.unsubscribed`: a subscription was added or removed. */
export interface SubscriptionEvent {
  client: ClientInfo;
  topic: string;
  /** Options granted (absent for unsubscribed). */
  options?: Omit<SubscriptionRequest, "topic">;
}

/** `message.delivered`: a message is about to be sent to one subscriber, rewritable. */
export interface DeliveryEvent {
  /** The subscriber. */
  client: ClientInfo;
  message: Message;
}

/** `message.acked`: a subscriber acknowledged a QoS 1/2 message. */
export interface AckEvent {
  client: ClientInfo;
  message: Message;
}

/**
 * `message.puback` (EMQX's hookpoint of that name): the broker acknowledged a publisher's QoS 1
 * PUBLISH (PUBACK) or QoS 2 PUBLISH (PUBREC). A subscriber's acknowledgement is `message.acked`.
 */
export interface PubackEvent {
  /** The publisher. */
  client: ClientInfo;
  packetId: number;
  topic: string;
  qos: 1 | 2;
  /** The acknowledgement sent. */
  packet: "puback" | "pubrec";
  /**
   * The reason code the broker decided: 0, 0x10 (no matching subscribers), 0x87 (not
   * authorized), ... (a 3.1.1 publisher is sent no reason code).
   */
  reasonCode: number;
}

/**
 * `control.request`: a client published a request to `$CONTROL/<alias>/v1` (Mosquitto's plugin
 * control topics); the hook's answer is published back to the requester as JSON.
 */
export interface ControlRequestEvent {
  /** The alias the request is addressed to. */
  alias: string;
  /** Who published it. */
  from: { clientId: string; username: string | null };
  /** The payload parsed as JSON, or null when it is not JSON (then read `payload`). */
  request: unknown;
  payload: Uint8Array;
}

/**
 * `client.enhanced_auth`: one round of MQTT 5 enhanced authentication (spec 4.12): the CONNECT
 * naming an Authentication Method (`step` 0), each AUTH the client answers with, and a
 * re-authentication (`reauth`, AUTH 0x19 after CONNACK).
 */
export interface EnhancedAuthEvent {
  client: ClientInfo;
  /** The Authentication Method (e.g. `SCRAM-SHA-256`); a hook that does not speak it ignores. */
  method: string;
  /** The client's Authentication Data of this round, absent when it sent none. */
  data?: Uint8Array;
  /** 0 for the packet that starts the exchange, then 1, 2, ... */
  step: number;
  /** Whether this exchange is a re-authentication of a connected client. */
  reauth: boolean;
  /** What the hook returned as `state` in the previous round (kept by the broker, never sent). */
  state?: unknown;
}

/** `message.dropped`: a message was routed nowhere. */
export interface MessageDroppedEvent {
  message: Message;
  /** `no_subscribers`, `denied`, `plugin`, ... */
  reason: string;
}

/** `delivery.dropped`: a message for one subscriber was discarded. */
export interface DeliveryDroppedEvent {
  client: ClientInfo;
  message: Message;
  /** `expired`, `no_local`, `queue_full`, `qos0_msg`, `denied`, ... */
  reason: string;
}

/** `broker.*`: the broker's own lifecycle. */
export interface BrokerEvent {
  /** Milliseconds since the epoch. */
  at: number;
}

/** `packet.received` / `packet.sent`: one MQTT packet, decoded into plain fields. */
export interface PacketEvent {
  /** Null before CONNECT has been read. */
  clientId: string | null;
  /** Packet type name: `connect`, `publish`, `puback`, ... */
  type: string;
  /** Decoded fields of the packet (plain data). */
  packet: Record<string, unknown>;
}

/** `retained.stored`: a retained message was stored (an empty payload clears the topic). */
export interface RetainedEvent {
  message: Message;
}
