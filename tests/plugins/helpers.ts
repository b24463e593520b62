// Shared test helpers: a fake broker, a capturing logger, a host factory with fast timings.
import { PluginHost, type PluginHostOptions } from "../../plugins/host/mod.ts";
import type { ClientInfo, Message } from "../../plugins/sdk/mod.ts";

export const FIXTURES = new URL("./fixtures/", import.meta.url);
export const fixture = (name: string): string => new URL(name, FIXTURES).pathname;

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function captureLog(): { lines: LogLine[]; log: PluginHostOptions["log"] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  return {
    lines,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

export function client(over: Partial<ClientInfo> = {}): ClientInfo {
  return {
    clientId: "c1",
    username: "alice",
    listener: "tcp",
    transport: "tcp",
    remoteAddr: "127.0.0.1:5000",
    protocolVersion: 5,
    cleanStart: true,
    keepalive: 60,
    ...over,
  };
}

export function message(topic: string, over: Partial<Message> = {}): Message {
  return {
    topic,
    payload: new TextEncoder().encode("hi"),
    qos: 0,
    retain: false,
    from: { clientId: "c1", username: "alice" },
    ...over,
  };
}

export function fakeServices() {
  const published: Message[] = [];
  return {
    published,
    services: {
      publish: (m: Message) => void published.push(m),
      clients: () => [client(), client({ clientId: "c2" })],
      retained: (_f: string) => [message("r/1", { retain: true })],
    },
  };
}

export type TestHostOptions = Partial<PluginHostOptions> & Pick<PluginHostOptions, "plugins">;

/** A host with fast timings; returns the log lines and the fake broker too. */
export async function startHost(opts: TestHostOptions) {
  const { lines, log } = captureLog();
  const fake = fakeServices();
  const host = await PluginHost.start({
    log,
    services: fake.services,
    dataDir: null,
    watchdogIntervalMs: 50,
    startTimeoutMs: 15_000, // deno test type-checks worker modules on first spawn
    restartBackoff: { initialMs: 50, maxMs: 1000 },
    ...opts,
  });
  return { host, lines, published: fake.published };
}

/** Waits until `cond()` holds, polling every 10 ms, failing after `ms`. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
