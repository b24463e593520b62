/**
 * CONNECT (spec 3.1). The flow is the array {@linkcode CONNECT_STEPS}: reading it is reading
 * what happens to a new client. The steps record what is settled in the connection's
 * `negotiated` terms; the CONNACK is built and sent in `_connack.ts`, the will read in `_will.ts`.
 *
 * @module
 */
import type { IConnectPacket } from "mqtt-packet";
import type { BrokerCore, ClientConnection } from "../core_types.ts";
import { ConnectRefused, ReasonCode } from "../errors.ts";
import type { AuthResult, ConnackProperties } from "../hooks.ts";
import {
  checkConnackFits,
  type Connack,
  type ConnectFlow,
  type ConnectStep,
  refuse,
  sendConnack,
} from "./_connack.ts";
import { authorizeWill, readWill } from "./_will.ts";
import {
  BAD_AUTHENTICATION_METHOD,
  beginEnhancedAuth,
  enhancedAuthOffered,
} from "./_enhanced_auth.ts";
import { checkConnectValues } from "./connect_fields.ts";

export { ConnectRefused, refuse };
export type { Connack, ConnectFlow, ConnectStep } from "./_connack.ts";
export { checkProtocolLevel } from "./connect_fields.ts";

/** What a CONNECT without properties reads its properties from (nothing allocated per CONNECT). */
const NO_PROPERTIES: NonNullable<IConnectPacket["properties"]> = Object.freeze({});

/** The CONNECT flow, in order. */
export const CONNECT_STEPS: readonly ConnectStep[] = [
  readProtocol,
  checkProperties,
  readClientLimits,
  checkClientId,
  readLimits,
  checkConnackFits,
  readWill,
  authenticate,
  authorizeWill,
  takeOverOldConnection,
  openSession,
  askPlugins,
  sendConnack,
  resumeDelivery,
];

/** Where the CONNECT flow goes on once enhanced authentication allowed it. */
const AFTER_AUTHENTICATE = CONNECT_STEPS.indexOf(authenticate) + 1;

/**
 * Handles CONNECT: runs the steps; a refusal sends CONNACK with the reason and closes. Synchronous
 * while every step is (no hook registered, or hooks answering at once): a Promise only when a step
 * waits, and the steps after it run when it settles.
 */
export function handleConnect(
  client: ClientConnection,
  packet: IConnectPacket,
  core: BrokerCore,
): void | Promise<void> {
  client.enter("connecting");
  return runSteps({
    client,
    packet,
    core,
    terms: client.negotiated,
    connack: { sessionPresent: false, properties: {} },
  }, 0);
}

/** Runs the steps from `from` on, until one waits (its Promise is returned) or all ran. */
function runSteps(flow: ConnectFlow, from: number): void | Promise<void> {
  try {
    for (let i = from; i < CONNECT_STEPS.length; i++) {
      const pending = CONNECT_STEPS[i](flow);
      if (pending) return resumeAfter(pending, flow, i + 1);
      if (flow.client.state === "closed" || flow.paused) return;
    }
  } catch (err) {
    refused(flow.client, err);
  }
}

async function resumeAfter(pending: Promise<void>, flow: ConnectFlow, next: number): Promise<void> {
  try {
    await pending;
  } catch (err) {
    return refused(flow.client, err);
  }
  if (flow.client.state !== "closed" && !flow.paused) await runSteps(flow, next);
}

/** A refusal is answered with its CONNACK; anything else is the connection's failure. */
function refused(client: ClientConnection, err: unknown): void {
  if (!(err instanceof ConnectRefused)) throw err;
  refuse(client, err);
}

function readProtocol({ packet, terms }: ConnectFlow): void {
  terms.protocolVersion = packet.protocolVersion ?? 4;
  terms.cleanStart = packet.clean !== false;
  terms.username = packet.username;
}

/** CONNECT and will properties the decoder read as null or twice (see `connect_fields.ts`). */
function checkProperties({ packet }: ConnectFlow): void {
  checkConnectValues(packet);
}

/** The client's limits on what we send, first: even a refusing CONNACK respects them. */
function readClientLimits({ packet, terms }: ConnectFlow): void {
  const props = packet.properties ?? NO_PROPERTIES;
  terms.maxPacketSize = props.maximumPacketSize || Infinity; // 0 was refused as a protocol error
  terms.requestProblemInformation = props.requestProblemInformation !== false;
}

function checkClientId({ packet, terms, core, connack }: ConnectFlow): void {
  if (packet.clientId !== "") {
    terms.clientId = packet.clientId;
    return;
  }
  const refusal = terms.protocolVersion === 3
    ? "MQTT 3.1 requires a client identifier"
    : !core.config.mqtt.allow_zero_length_clientid
    ? "Empty client identifiers are not allowed"
    : terms.protocolVersion === 4 && !terms.cleanStart
    ? "An empty client identifier needs clean session (MQTT-3.1.3-8)"
    : undefined;
  if (refusal) throw new ConnectRefused(ReasonCode.ClientIdentifierNotValid, refusal);
  terms.clientId = "auto-" + crypto.randomUUID();
  if (terms.protocolVersion === 5) connack.properties.assignedClientIdentifier = terms.clientId;
}

/** Keep alive within the broker's maximum (v5: Server Keep Alive; v3: refused). */
function readKeepAlive({ packet, terms, core, connack }: ConnectFlow): void {
  const { max_keepalive } = core.config.mqtt;
  terms.keepalive = packet.keepalive ?? 0;
  if (terms.keepalive <= max_keepalive && (terms.keepalive !== 0 || max_keepalive >= 65535)) {
    return;
  }
  if (terms.protocolVersion !== 5) {
    // v3 has no Server Keep Alive: refuse, with the code Mosquitto uses for this case.
    throw new ConnectRefused(
      ReasonCode.ClientIdentifierNotValid,
      `Keep alive ${terms.keepalive} is above the maximum of ${max_keepalive}`,
    );
  }
  terms.keepalive = max_keepalive;
  connack.properties.serverKeepAlive = max_keepalive;
}

function readLimits(flow: ConnectFlow): void {
  const { packet, terms, core, connack } = flow;
  const { mqtt } = core.config;
  const props = packet.properties ?? NO_PROPERTIES;
  readKeepAlive(flow);
  if (props.authenticationMethod !== undefined && !enhancedAuthOffered(core)) {
    throw new ConnectRefused(
      BAD_AUTHENTICATION_METHOD,
      `Authentication method ${props.authenticationMethod} is not supported`,
    );
  }
  terms.receiveMaximum = props.receiveMaximum ?? mqtt.max_inflight;
  terms.topicAliasMaximum = props.topicAliasMaximum ?? 0;
  if (terms.protocolVersion !== 5) return;
  Object.assign(connack.properties, {
    receiveMaximum: mqtt.receive_maximum,
    topicAliasMaximum: mqtt.topic_alias_maximum,
    maximumPacketSize: mqtt.max_packet_size,
    retainAvailable: mqtt.retain_available,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
  });
  if ((props.sessionExpiryInterval ?? 0) > mqtt.max_session_expiry) {
    connack.properties.sessionExpiryInterval = mqtt.max_session_expiry;
  }
}

/**
 * Asks the hooks (plugins, or `auth.allow_anonymous`); waits only when they answer later. A v5
 * CONNECT naming an Authentication Method is decided by enhanced authentication instead.
 */
function authenticate(flow: ConnectFlow): void | Promise<void> {
  const { client, packet, core } = flow;
  const method = packet.properties?.authenticationMethod;
  if (method !== undefined && flow.terms.protocolVersion === 5) {
    return beginEnhancedAuth(flow, method, () => runSteps(flow, AFTER_AUTHENTICATE));
  }
  const result = core.hooks.authenticate({ client: client.info(), password: packet.password });
  if (result instanceof Promise) return result.then((r) => admit(flow, r));
  admit(flow, result);
}

function admit({ packet, terms }: ConnectFlow, result: AuthResult): void {
  if (!result.allow) {
    const code = result.reasonCode ??
      (packet.username ? ReasonCode.BadUserNameOrPassword : ReasonCode.NotAuthorized);
    throw new ConnectRefused(code, result.reason ?? refusalText(code));
  }
  terms.superuser = result.superuser === true;
}

/** The text sent with a refusal whose reason came from a plugin: the code's name only. */
function refusalText(code: number): string {
  return code === ReasonCode.BadUserNameOrPassword ? "Bad user name or password" : "Not authorized";
}

function takeOverOldConnection({ client, core }: ConnectFlow): void | Promise<void> {
  core.takeOver(client);
  return core.claimSession?.(client);
}

function openSession({ client, packet, core, terms, connack }: ConnectFlow): void {
  const asked = terms.protocolVersion === 5
    ? packet.properties?.sessionExpiryInterval ?? 0
    : terms.cleanStart
    ? 0
    : 0xffffffff;
  terms.askedSessionExpiry = asked;
  // MQTT 3.1.1 persistent sessions (CleanSession=0) "never" expire: the broker's cap applies to
  // them too, as EMQX's session expiry does, so abandoned client ids cannot pile up forever.
  const expiry = Math.min(asked, core.config.mqtt.max_session_expiry);
  connack.sessionPresent = core.openSession(client, expiry);
}

/** client.connack plugins may add user properties and a reason string (v5). */
function askPlugins({ client, core, terms, connack }: ConnectFlow): void | Promise<void> {
  if (terms.protocolVersion !== 5 || !core.hooks.has("client.connack")) return;
  const added = core.hooks.connack(client.info(), {});
  if (added instanceof Promise) return added.then((a) => addProperties(connack, a));
  addProperties(connack, added);
}

function addProperties(connack: Connack, { userProperties, reasonString }: ConnackProperties) {
  if (userProperties) connack.properties.userProperties = userProperties;
  if (reasonString) connack.properties.reasonString = reasonString;
}

function resumeDelivery({ client, core }: ConnectFlow): void {
  core.connected(client);
}
