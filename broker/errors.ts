/**
 * Typed errors and the one place where they become MQTT reason codes.
 *
 * @module
 */

/** MQTT 5 reason codes the broker sends (spec 2.4). */
export const ReasonCode = {
  Success: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  ServerShuttingDown: 0x8b,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  RetainNotSupported: 0x9a,
  SharedSubscriptionsNotSupported: 0x9e,
  MaximumConnectTime: 0xa0,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** A reason code value. */
export type ReasonCode = typeof ReasonCode[keyof typeof ReasonCode];

/**
 * A protocol-level failure carrying the reason code the client is told.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MqttError, ReasonCode } from "./errors.ts";
 * const err = new MqttError(ReasonCode.TopicAliasInvalid, "Topic alias 0 is not allowed");
 * assert.ok(err.reasonCode === 0x94);
 * ```
 */
export class MqttError extends Error {
  /** The MQTT 5 reason code. */
  readonly reasonCode: ReasonCode;
  /**
   * @param reasonCode the MQTT 5 reason code sent to the client
   * @param message what went wrong, in sentence case
   */
  constructor(reasonCode: ReasonCode, message: string) {
    super(message);
    this.name = "MqttError";
    this.reasonCode = reasonCode;
  }
}

/**
 * A refused CONNECT: answered with a CONNACK carrying the reason code (mapped for v3 by
 * {@linkcode connackReturnCodeV3}), then the connection closes. Other {@linkcode MqttError}s
 * become a DISCONNECT.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectRefused, MqttError, ReasonCode } from "./errors.ts";
 * const err = new ConnectRefused(ReasonCode.BadUserNameOrPassword, "Bad user name or password");
 * assert.ok(err instanceof MqttError && err.reasonCode === 0x86);
 * ```
 */
export class ConnectRefused extends MqttError {
  /**
   * @param reasonCode MQTT 5 CONNACK reason code
   * @param message why, logged and sent as reason string on v5
   */
  constructor(reasonCode: number, message: string) {
    super(reasonCode as ReasonCode, message);
    this.name = "ConnectRefused";
  }
}

/**
 * Maps an MQTT 5 CONNACK reason code to the MQTT 3.1/3.1.1 return code (spec 3.2.2.3), or to
 * undefined for a malformed CONNECT or a protocol error: 3.1.1 has no return code for them and
 * closes without CONNACK [MQTT-3.1.4-1].
 *
 * @example
 * ```ts
 * import { connackReturnCodeV3, ReasonCode } from "./errors.ts";
 * if (connackReturnCodeV3(ReasonCode.NotAuthorized) !== 5) throw new Error("0x87");
 * if (connackReturnCodeV3(ReasonCode.MalformedPacket) !== undefined) throw new Error("0x81");
 * ```
 */
export function connackReturnCodeV3(code: number): number | undefined {
  switch (code) {
    case ReasonCode.MalformedPacket:
    case ReasonCode.ProtocolError:
      return undefined;
    case ReasonCode.Success:
      return 0;
    case ReasonCode.UnsupportedProtocolVersion:
      return 1;
    case ReasonCode.ClientIdentifierNotValid:
      return 2;
    case ReasonCode.BadUserNameOrPassword:
      return 4;
    case ReasonCode.NotAuthorized:
    case ReasonCode.TopicNameInvalid: // a will topic the server refuses ($SYS/)
      return 5;
    default:
      return 3;
  }
}

/** Reason codes a refusing CONNACK may carry (spec 3.2.2.2). */
const CONNACK_FAILURES: ReadonlySet<number> = new Set([
  0x80,
  0x81,
  0x82,
  0x83,
  0x84,
  0x85,
  0x86,
  0x87,
  0x88,
  0x89,
  0x8a,
  0x8c,
  0x90,
  0x95,
  0x97,
  0x99,
  0x9a,
  0x9b,
  0x9c,
  0x9d,
  0x9f,
]);

/**
 * Whether `code` may refuse a CONNECT (a failure code of the CONNACK table); a plugin's denial
 * with any other code gets the default instead.
 *
 * @example
 * ```ts
 * import { isConnackFailure } from "./errors.ts";
 * if (!isConnackFailure(0x86) || isConnackFailure(0) || isConnackFailure(0x8e)) throw new Error();
 * ```
 */
export function isConnackFailure(code: unknown): code is number {
  return typeof code === "number" && CONNACK_FAILURES.has(code);
}

/**
 * Turns anything thrown while handling a packet into the reason code for the client's DISCONNECT.
 *
 * Parse errors from the codec are malformed packets (0x81); our own {@linkcode MqttError}s carry
 * their code; anything else is an implementation error (0x83).
 *
 * @example
 * ```ts
 * import { reasonCodeOf, ParseError } from "./errors.ts";
 * if (reasonCodeOf(new ParseError("Invalid header flag bits")) !== 0x81) throw new Error();
 * if (reasonCodeOf(new Error("bug")) !== 0x83) throw new Error();
 * ```
 */
export function reasonCodeOf(err: unknown): ReasonCode {
  if (err instanceof MqttError) return err.reasonCode;
  if (err instanceof ParseError) return ReasonCode.MalformedPacket;
  return ReasonCode.ImplementationSpecificError;
}

/** How a connection fails on an error: its DISCONNECT and its log line. */
export interface Failure {
  /** The reason code of the DISCONNECT ({@linkcode reasonCodeOf}). */
  code: ReasonCode;
  /** The error's own text, for the log. */
  message: string;
  /** Not a protocol error of the client's but the broker's or a plugin's (logged as an error). */
  internal: boolean;
  /** The reason string the client may see. */
  wording: string;
}

/**
 * How a connection fails on `err`. Only the broker's own protocol errors are worded for the
 * client; anything else (a plugin's or the runtime's text) stays in the log: "Internal error".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureOf } from "./errors.ts";
 * const failure = failureOf(new Error("secret path /etc"));
 * assert.equal(failure.code, 0x83);
 * assert.equal(failure.wording, "Internal error");
 * ```
 */
export function failureOf(err: unknown): Failure {
  const code = reasonCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof MqttError || err instanceof ParseError;
  return {
    code,
    message,
    internal: code === ReasonCode.ImplementationSpecificError,
    wording: known ? message : "Internal error",
  };
}

/**
 * A reason code as `0x8e`, for logs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexCode } from "./errors.ts";
 * assert.equal(hexCode(0x8e), "0x8e");
 * assert.equal(hexCode(4), "0x04");
 * ```
 */
export function hexCode(code: number): string {
  return "0x" + code.toString(16).padStart(2, "0");
}

/** An outbound packet the codec refused to encode (codec.ts `encodePacket`): never written. */
export class EncodeError extends Error {
  /** @param message what could not be encoded and why */
  constructor(message: string) {
    super(message);
    this.name = "EncodeError";
  }
}

/** A packet the codec could not decode; always a malformed packet (0x81). */
export class ParseError extends Error {
  /** @param message the codec's description */
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

/**
 * A value a plugin returned or published that the broker refuses to send: a string over 65,535
 * bytes or with U+0000, a bad topic, a property of the wrong type, a packet too large. It is the
 * plugin's fault: the value is dropped, counted and logged with the plugin's alias.
 *
 * @example
 * ```ts
 * import { PluginOutputError } from "./errors.ts";
 * const err = new PluginOutputError("message.publish topic", "contains U+0000");
 * if (err.message !== "message.publish topic: contains U+0000") throw new Error(err.message);
 * ```
 */
export class PluginOutputError extends TypeError {
  /** What was refused, e.g. `message.publish topic`. */
  readonly what: string;
  /**
   * @param what the value refused, e.g. `message.publish topic`
   * @param problem why, e.g. `contains U+0000` or `expected a string, got 42`
   */
  constructor(what: string, problem: string) {
    super(`${what}: ${problem}`);
    this.name = "PluginOutputError";
    this.what = what;
  }
}
