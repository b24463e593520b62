/**
 * Test helpers: a broker on an ephemeral loopback port, MQTT.js clients, and small waits.
 *
 * @module
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { parseConfig } from "../server/config/mod.ts";
import type { BrokerConfig } from "../server/config/types.ts";
import { createLogger, type LogLevel, silentLogger } from "../lib/log.ts";
import { type RunningBroker, startBroker, type StartOptions } from "../server/server.ts";

/** A broker started for one test, with its TCP port. */
export interface TestBroker extends RunningBroker {
  port: number;
  config: BrokerConfig;
  /** `mqtt://127.0.0.1:PORT`. */
  url: string;
}

/**
 * Starts a broker on 127.0.0.1 with an ephemeral TCP port. `yaml` is merged as the config file
 * text (a `listeners` key in it replaces the default listener).
 */
export async function startTestBroker(
  yaml = "",
  opts: StartOptions & { logLevel?: LogLevel } = {},
): Promise<TestBroker> {
  const text = yaml.includes("listeners:")
    ? yaml
    : `listeners:\n  default: {type: tcp, bind: "127.0.0.1:0"}\n${yaml}`;
  const withAuth = text.includes("auth:") ? text : `${text}\nauth: {allow_anonymous: true}\n`;
  const memory = withAuth.includes("persistence:") ? "" : "\npersistence: {backend: memory}\n";
  const config = parseConfig(withAuth + memory, "test.yaml");
  const log = opts.logLevel ? createLogger({ level: opts.logLevel }) : silentLogger;
  const running = await startBroker(config, { log, ...opts });
  const tcp = [...running.listeners.values()].find((l) => l.transport === "tcp");
  const port = tcp?.port ?? 0;
  return { ...running, port, config, url: `mqtt://127.0.0.1:${port}` };
}

/** Connects an MQTT.js client and waits for CONNACK; rejects on a refusal. */
export function connect(
  url: string,
  opts: IClientOptions = {},
  onConnack?: (packet: mqtt.IConnackPacket) => void,
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.once("connect", (packet) => {
      onConnack?.(packet);
      resolve(client);
    });
    client.once("error", (err) => {
      // Wait for MQTT.js to release its socket and timers, then a tick for its own 0 ms close timer.
      client.end(true, {}, () => setTimeout(() => reject(err), 0));
    });
  });
}

/** Ends an MQTT.js client and waits until its socket and timers are released. */
export function end(client: MqttClient, force = false): Promise<void> {
  // MQTT.js closes its stream on a 0 ms timer after the end callback: let that timer run too.
  return new Promise((resolve) => client.end(force, {}, () => setTimeout(resolve, 0)));
}

/** Resolves with the next message on `client` (rejects after `ms`). */
export function nextMessage(
  client: MqttClient,
  ms = 3000,
): Promise<{ topic: string; payload: string; packet: mqtt.IPublishPacket }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeListener("message", onMessage);
      reject(new Error(`No message within ${ms} ms`));
    }, ms);
    const onMessage = (topic: string, payload: Uint8Array, packet: mqtt.IPublishPacket) => {
      clearTimeout(timer);
      client.removeListener("message", onMessage);
      resolve({ topic, payload: new TextDecoder().decode(payload), packet });
    };
    client.on("message", onMessage);
  });
}

/** Collects every message `client` receives into an array. */
export function collect(
  client: MqttClient,
): { topic: string; payload: string; packet: mqtt.IPublishPacket }[] {
  const got: { topic: string; payload: string; packet: mqtt.IPublishPacket }[] = [];
  client.on(
    "message",
    (topic, payload, packet) =>
      got.push({ topic, payload: new TextDecoder().decode(payload), packet }),
  );
  return got;
}

/** Waits until `cond()` holds, polling; throws with `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Sleeps. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Subscribes and waits for SUBACK. */
export function subscribe(
  client: MqttClient,
  topic: string | string[],
  opts: mqtt.IClientSubscribeOptions = { qos: 0 },
): Promise<mqtt.ISubscriptionGrant[]> {
  return client.subscribeAsync(topic, opts);
}

/**
 * Publishes "hello" on `topic` and resolves with the topic a subscriber to `#` receives it on
 * (shows what plugins on the way did to it).
 */
export async function roundTrip(url: string, topic: string): Promise<string> {
  const sub = await connect(url);
  await subscribe(sub, "#");
  const pub = await connect(url);
  const got = nextMessage(sub);
  await pub.publishAsync(topic, "hello");
  const { topic: seen } = await got;
  await end(pub);
  await end(sub);
  return seen;
}
