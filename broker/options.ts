/**
 * What the MQTT core reads from the broker config: its protocol limits and the anonymous
 * default. The application's config (`server/config/`) contains these sections.
 *
 * @module
 */

/** MQTT protocol limits and behaviour. */
export interface MqttConfig {
  /** Largest packet accepted from a client, in bytes (whole packet). */
  max_packet_size: number;
  /** Largest keep alive a client may ask for, in seconds; v5 clients asking for more get Server Keep Alive. */
  max_keepalive: number;
  /** Time a new connection has to complete its CONNECT, in milliseconds, counted from accept (bytes arriving do not extend it). */
  connect_timeout_ms: number;
  /** QoS 1/2 PUBLISHes a client may have in flight to the broker (v5 Receive Maximum). */
  receive_maximum: number;
  /** Outbound QoS 1/2 messages in flight per client when the client sets no Receive Maximum. */
  max_inflight: number;
  /** Topic aliases a v5 client may use towards the broker. */
  topic_alias_maximum: number;
  /** Messages queued per client (offline session or slow consumer) before dropping. */
  max_queued_messages: number;
  /** Largest session expiry the broker grants, in seconds; also caps MQTT 3.1.1 persistent sessions. */
  max_session_expiry: number;
  /** Whether clients may send an empty client id and get one assigned. */
  allow_zero_length_clientid: boolean;
  /** Whether retained messages are supported. */
  retain_available: boolean;
}

/** The part of the broker config the core reads. */
export interface CoreConfig {
  /** MQTT protocol limits and behaviour. */
  mqtt: MqttConfig;
  /** Whether clients without credentials get in when no hook decides. */
  auth: { allow_anonymous: boolean };
}
