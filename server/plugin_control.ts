/**
 * `$CONTROL/<alias>/v1`: request/response topics for plugins that take commands over MQTT
 * (Mosquitto's plugin control topics). A PUBLISH to such a topic, once `client.authorize` let it
 * through, is not routed to subscribers: it goes to the one plugin `alias` names (its
 * `control.request` hook), and the answer is published as JSON to the request's MQTT 5 Response
 * Topic with its Correlation Data, or else to `$CONTROL/<alias>/v1/response` (Mosquitto's
 * convention). A failure is answered `{"error": "..."}` on the same topic.
 *
 * Safe by default: requests are served only while topic checks are enabled (`topic_check.enable`),
 * so that a topic rule decided who may send them; otherwise they are answered with an error and
 * never reach the plugin.
 *
 * @module
 */
import { apiRunnerOf } from "../plugins/host/api_host.ts";
import type { PluginHost } from "../plugins/host/mod.ts";
import type { HookpointName } from "../plugins/sdk/mod.ts";
import type { Message } from "../broker/message.ts";
import type { BrokerHooks } from "../broker/hooks.ts";
import type { Logger } from "../lib/log.ts";
import { Buffer } from "node:buffer";

const HOOK: HookpointName = "control.request";
const TOPIC = /^\$CONTROL\/([^/]+)\/v1$/;
const encoder = new TextEncoder();

/** What serving a request needs. */
export interface ControlDeps {
  host: PluginHost;
  /** Whether topic checks run (else requests are refused). */
  topicCheck: boolean;
  /** Publishes the reply (it skips `message.publish`: the broker's own message). */
  reply: (msg: Message) => void;
  log: Logger;
}

/**
 * The alias a control request topic addresses, or null for any other topic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { controlAlias } from "./plugin_control.ts";
 * assert.equal(controlAlias("$CONTROL/dynsec/v1"), "dynsec");
 * assert.equal(controlAlias("$CONTROL/dynsec/v1/response"), null);
 * assert.equal(controlAlias("control/dynsec/v1"), null);
 * ```
 */
export function controlAlias(topic: string): string | null {
  return TOPIC.exec(topic)?.[1] ?? null;
}

/**
 * Serves one request addressed to `alias`: calls the plugin, publishes its answer. Never throws:
 * every failure becomes an error reply and a log line.
 */
export async function serveControl(deps: ControlDeps, alias: string, msg: Message): Promise<void> {
  let answer: unknown;
  try {
    answer = await ask(deps, alias, msg);
  } catch (err) {
    deps.log.info("$CONTROL request refused", {
      plugin: alias,
      clientId: msg.from?.clientId,
      error: (err as Error).message,
    });
    answer = { error: (err as Error).message };
  }
  deps.reply(replyTo(alias, msg, answer));
}

/** The plugin's answer; throws with the message the requester gets. */
async function ask(deps: ControlDeps, alias: string, msg: Message): Promise<unknown> {
  if (!deps.topicCheck) {
    throw new Error("$CONTROL requests need topic checks (topic_check.enable: true)");
  }
  const manifest = deps.host.manifest(alias);
  const runner = apiRunnerOf(manifest);
  if (!runner || !manifest?.hooks.includes(HOOK)) {
    throw new Error(`Plugin "${alias}" takes no $CONTROL requests (no control.request hook)`);
  }
  const from = { clientId: msg.from?.clientId ?? "", username: msg.from?.username ?? null };
  const payload = new Uint8Array(msg.payload);
  const out = await runner.call(HOOK, { alias, from, request: parseJson(payload), payload });
  if (!out.ok) throw new Error(`Plugin "${alias}" could not answer: ${out.reason}`);
  return out.value ?? null;
}

function parseJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return null;
  }
}

/** The reply message: JSON (bytes as they are), to the Response Topic or the `/response` topic. */
function replyTo(alias: string, request: Message, answer: unknown): Message {
  const props = request.properties ?? {};
  const bytes = answer instanceof Uint8Array ? answer : encoder.encode(JSON.stringify(answer));
  return {
    topic: props.responseTopic ?? `$CONTROL/${alias}/v1/response`,
    payload: Buffer.from(bytes),
    qos: request.qos,
    retain: false,
    properties: {
      contentType: "application/json",
      ...(props.correlationData ? { correlationData: props.correlationData } : {}),
    },
    from: { clientId: `$plugin/${alias}` },
  };
}

/**
 * `hooks` with the control topics served: while a running plugin has a `control.request` hook,
 * `message.publish` is asked for every message, and a request to `$CONTROL/<alias>/v1` is taken
 * out of routing (answered null: nobody subscribed receives it) and served.
 *
 * @example
 * ```ts ignore
 * broker.hooks = withControl(pluginHooks(host, config, deps), { host, topicCheck, reply, log });
 * ```
 */
export function withControl(hooks: BrokerHooks, deps: ControlDeps): BrokerHooks {
  const served = () => deps.host.has(HOOK);
  return {
    ...hooks,
    has: (hook) => hooks.has(hook) || (hook === "message.publish" && served()),
    publish: (msg) => {
      const alias = served() ? controlAlias(msg.topic) : null;
      if (alias !== null) {
        void serveControl(deps, alias, msg);
        return null;
      }
      return hooks.has("message.publish") ? hooks.publish(msg) : msg;
    },
  };
}
