/**
 * Shared set-up for the broker-side security tests: hostile fixture paths, a broker whose log
 * lines are captured as JSON, and small MQTT helpers.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { createLogger } from "../../lib/log.ts";
import {
  connect,
  end,
  nextMessage,
  startTestBroker,
  subscribe,
  type TestBroker,
} from "../helpers.ts";

/** Absolute path of a fixture in tests/security/fixtures. */
export function fixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/** One captured log line. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** A test broker plus every line it logged (debug and up), parsed. */
export interface LoggedBroker extends TestBroker {
  lines: LogLine[];
}

/** Starts a test broker with `yaml`, capturing its log. */
export async function startLoggedBroker(yaml: string): Promise<LoggedBroker> {
  const lines: LogLine[] = [];
  const log = createLogger({
    level: "debug",
    format: "json",
    sink: (line) => lines.push(JSON.parse(line)),
  });
  const broker = await startTestBroker(yaml, { log });
  return { ...broker, lines };
}

/** The log lines whose text (message and fields) contains `text`. */
export function logged(lines: LogLine[], text: string): LogLine[] {
  return lines.filter((l) => JSON.stringify(l).includes(text));
}

/** Whether MQTT.js still has an open connection (it saw no error, DISCONNECT or close). */
export function isUp(client: MqttClient): boolean {
  return client.connected && !client.disconnecting;
}

/** A fresh temporary data_dir, as a YAML-safe string. */
export function tempDataDir(): string {
  return JSON.stringify(Deno.makeTempDirSync({ prefix: "aviary-sec-" }));
}

/** Asserts the broker's first plugin is running (its error as the message otherwise). */
export function assertPluginRunning(broker: TestBroker): void {
  const [row] = broker.plugins!.status();
  assert.equal(row?.state, "running", row?.error ?? "no plugin loaded");
}

/**
 * Asserts the broker still routes a message between two fresh MQTT.js clients, on exactly `topic`
 * (other traffic, such as a flood under test, does not count).
 */
export async function assertServes(broker: TestBroker, topic = "alive/check"): Promise<void> {
  const sub = await connect(broker.url);
  const pub = await connect(broker.url);
  try {
    await subscribe(sub, topic);
    const got = nextMessage(sub, 5000);
    await pub.publishAsync(topic, "ping");
    assert.equal((await got).topic, topic);
  } finally {
    await end(pub);
    await end(sub);
  }
}
