/**
 * MQTT 5 enhanced authentication (spec 4.12, the AUTH packet 3.15). A CONNECT naming an
 * Authentication Method starts an exchange that the hooks (`client.enhanced_auth`) run round by
 * round: each `continue` answer is sent as AUTH 0x18 and the CONNECT flow waits (paused, not
 * awaited: the client's AUTH must be read) until the client's AUTH brings the next round; `allow`
 * resumes the flow and the CONNACK carries the method and the final data; `deny` refuses it.
 * After CONNACK the client may re-authenticate with AUTH 0x19 (4.12.1): the same rounds end in
 * AUTH 0x00, or in DISCONNECT.
 *
 * Limits: {@linkcode MAX_AUTH_ROUNDS} rounds per exchange; the first exchange must end within the
 * connect timeout (counted from accept, `idle_watch.ts`), a re-authentication within the same
 * time from its AUTH 0x19 (a late round is refused). While a re-authentication waits, the client
 * keeps its previous authentication (spec 4.12.1).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IAuthPacket } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { ConnectRefused, MqttError, ReasonCode } from "../errors.ts";
import type { EnhancedAuthResult } from "../hooks.ts";
import type { ConnectFlow } from "./_connack.ts";

/** Rounds (`continue` answers) one exchange may take; one more refuses it. */
export const MAX_AUTH_ROUNDS = 10;

/** AUTH reason codes (spec 3.15.2.1). */
const SUCCESS = 0x00, CONTINUE = 0x18, REAUTHENTICATE = 0x19;
/** CONNACK / DISCONNECT 0x8C Bad authentication method. */
export const BAD_AUTHENTICATION_METHOD = 0x8c as ReasonCode;

/** One connection's enhanced authentication: the method, and the exchange in progress if any. */
interface Exchange {
  readonly method: string;
  /** Rounds answered in the current exchange. */
  step: number;
  /** Whether the broker waits for the client's AUTH 0x18. */
  awaiting: boolean;
  /** The hook's state for the next round (never sent to the client). */
  state?: unknown;
  /** When the current re-authentication started (ms, the core's clock). */
  startedAt: number;
  /** The CONNECT waiting for the exchange, and how to resume it; unset after CONNACK. */
  connect?: { flow: ConnectFlow; resume: () => void | Promise<void> };
}

/** Connections that named an Authentication Method in their CONNECT. */
const exchanges = new WeakMap<ClientConnection, Exchange>();

/** Whether a CONNECT naming an Authentication Method can be served: someone handles the hook. */
export function enhancedAuthOffered(core: BrokerCore): boolean {
  return core.hooks.enhancedAuth !== undefined && core.hooks.has("client.enhanced_auth");
}

/**
 * The CONNECT step `authenticate` for a CONNECT naming `method`: the first round. Pauses the flow
 * when the hooks continue (`resume` runs the steps after authentication once a later round allows).
 */
export function beginEnhancedAuth(
  flow: ConnectFlow,
  method: string,
  resume: () => void | Promise<void>,
): void | Promise<void> {
  const { client, core, packet } = flow;
  const x: Exchange = { method, step: 0, awaiting: false, startedAt: core.clock.now() };
  x.connect = { flow, resume };
  exchanges.set(client, x);
  return after(round(client, core, x, packet.properties?.authenticationData), (r) => {
    if (!answer(client, x, r)) return;
    admitted(x, r);
    x.connect = undefined; // the flow goes on by itself: no round is waited for
  });
}

/**
 * An AUTH from the client (spec 3.15): the next round of the exchange in progress, or the start
 * of a re-authentication (0x19, connected clients only). Anything else is a protocol error:
 * AUTH without a method in CONNECT [MQTT-4.12.0-7], another method [MQTT-4.12.0-5], a reason
 * code the client may not send here [MQTT-3.15.2-1] [MQTT-4.12.0-3].
 */
export function receiveAuth(
  client: ClientConnection,
  packet: IAuthPacket,
  core: BrokerCore,
): void | Promise<void> {
  const x = checkAuth(client, packet, core);
  if (packet.reasonCode === REAUTHENTICATE) {
    x.step = 0;
    x.state = undefined;
    x.startedAt = core.clock.now();
  }
  const data = packet.properties?.authenticationData;
  return after(round(client, core, x, data), (r) => {
    if (!answer(client, x, r)) return;
    if (x.connect) return resumeConnect(x, r);
    client.negotiated.superuser = r.result === "allow" && r.superuser === true;
    client.send(authPacket(SUCCESS, x.method, r.result === "allow" ? r.authData : undefined));
  });
}

/** The exchange `packet` belongs to; throws when it breaks the rules of 4.12. */
function checkAuth(client: ClientConnection, packet: IAuthPacket, core: BrokerCore): Exchange {
  const connecting = client.state !== "connected";
  const fail = (why: string) =>
    connecting
      ? new ConnectRefused(ReasonCode.ProtocolError, why)
      : new MqttError(ReasonCode.ProtocolError, why);
  if (client.protocolVersion !== 5) {
    throw new MqttError(ReasonCode.MalformedPacket, "AUTH is not a packet of MQTT 3.1.1");
  }
  const x = exchanges.get(client);
  if (!x) throw fail("AUTH without an Authentication Method in CONNECT");
  const method = packet.properties?.authenticationMethod;
  if (method !== x.method) {
    throw fail(`AUTH with method ${method ?? "(none)"}, expected ${x.method} as in CONNECT`);
  }
  const expected = x.awaiting ? CONTINUE : connecting ? undefined : REAUTHENTICATE;
  if (packet.reasonCode !== expected) {
    throw fail(`AUTH reason code ${packet.reasonCode}, expected ${expected ?? "none"}`);
  }
  const limit = core.config.mqtt.connect_timeout_ms;
  if (!connecting && x.awaiting && core.clock.now() - x.startedAt > limit) {
    throw new MqttError(ReasonCode.NotAuthorized, `Re-authentication took over ${limit} ms`);
  }
  return x;
}

/** Asks the hooks for one round. */
function round(
  client: ClientConnection,
  core: BrokerCore,
  x: Exchange,
  data: Uint8Array | undefined,
): EnhancedAuthResult | Promise<EnhancedAuthResult> {
  const event = {
    client: client.info(),
    method: x.method,
    step: x.step,
    reauth: x.connect === undefined,
    ...(data !== undefined ? { data: new Uint8Array(data) } : {}),
    ...(x.state !== undefined ? { state: x.state } : {}),
  };
  return core.hooks.enhancedAuth?.(event) ?? { result: "unsupported" };
}

/** Runs `then` on the result, at once when it is there. */
function after<T>(r: T | Promise<T>, then: (r: T) => void | Promise<void>): void | Promise<void> {
  return r instanceof Promise ? r.then(then) : then(r);
}

/**
 * Applies a round's result: `continue` sends AUTH 0x18 and waits; a refusal throws (CONNECT:
 * CONNACK with its code [MQTT-4.12.0-4]; re-authentication: DISCONNECT [MQTT-4.12.1-2]).
 * Returns true when the exchange ended with `allow`.
 */
function answer(
  client: ClientConnection,
  x: Exchange,
  r: EnhancedAuthResult,
): r is Extract<EnhancedAuthResult, { result: "allow" }> {
  const refuse = (code: number, why: string) => {
    x.awaiting = false;
    const reason = code as ReasonCode; // a plugin's code: a CONNACK failure (server/plugin_auth.ts)
    if (x.connect) throw new ConnectRefused(reason, why);
    // DISCONNECT knows fewer codes than CONNACK (spec 3.14.2.1): 0x8C, else 0x87.
    throw new MqttError(code === BAD_AUTHENTICATION_METHOD ? code : ReasonCode.NotAuthorized, why);
  };
  if (r.result === "unsupported") {
    refuse(BAD_AUTHENTICATION_METHOD, `Authentication method ${x.method} is not supported`);
  }
  if (r.result === "deny") refuse(r.reasonCode ?? ReasonCode.NotAuthorized, "Not authorized");
  if (r.result === "allow") {
    x.awaiting = false;
    x.state = undefined;
    return true;
  }
  if (r.result !== "continue") return false;
  if (++x.step > MAX_AUTH_ROUNDS) {
    refuse(ReasonCode.NotAuthorized, `Authentication took over ${MAX_AUTH_ROUNDS} rounds`);
  }
  x.awaiting = true;
  x.state = r.state;
  if (x.connect) x.connect.flow.paused = true;
  client.send(authPacket(CONTINUE, x.method, r.authData));
  return false;
}

/** The first exchange allowed: the CONNACK carries the method and the final data [MQTT-4.12.0-5]. */
function admitted(x: Exchange, r: Extract<EnhancedAuthResult, { result: "allow" }>): void {
  const { terms, connack } = x.connect!.flow;
  terms.superuser = r.superuser === true;
  connack.properties.authenticationMethod = x.method;
  if (r.authData !== undefined) connack.properties.authenticationData = toBuffer(r.authData);
}

/** A later round allowed the CONNECT: the steps after authentication run. */
function resumeConnect(
  x: Exchange,
  r: Extract<EnhancedAuthResult, { result: "allow" }>,
): void | Promise<void> {
  admitted(x, r);
  const { flow, resume } = x.connect!;
  x.connect = undefined;
  flow.paused = false;
  return resume();
}

function authPacket(reasonCode: number, method: string, data?: Uint8Array): IAuthPacket {
  return {
    cmd: "auth",
    reasonCode,
    properties: {
      authenticationMethod: method,
      ...(data !== undefined ? { authenticationData: toBuffer(data) } : {}),
    },
  };
}

/** mqtt-packet writes binary properties with Buffer methods. */
function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
