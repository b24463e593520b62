/**
 * The broker under test, in this process: reached over the memory transport (`Broker.accept()` of
 * a memory pair, no sockets) or over a TCP listener on 127.0.0.1. Error-level log lines are
 * collected: the broker logs them when a handler throws something other than a protocol error.
 *
 * @module
 */
import { Broker } from "../broker/broker.ts";
import { parseConfig } from "../server/config/mod.ts";
import { createLogger } from "../lib/log.ts";
import { startBroker } from "../server/server.ts";
import { memoryPair } from "../broker/transport/memory.ts";
import { Wire } from "./wire.ts";

/** A broker to fuzz and a way to connect to it. */
export interface Target {
  readonly broker: Broker;
  /** Error-level log lines not yet taken. */
  readonly errors: string[];
  /** Opens a new connection. */
  open(): Promise<Wire>;
  /** Stops the broker. */
  close(): Promise<void>;
}

const CONFIG = `
listeners:
  default: {type: tcp, bind: "127.0.0.1:0"}
auth: {allow_anonymous: true}
persistence: {backend: memory}
# Inputs invent client ids by the thousand; short-lived sessions keep the run's memory bounded.
mqtt: {max_session_expiry: 5}
`;

/**
 * Starts a broker with the default config (anonymous clients allowed), over `transport`.
 *
 * @example
 * ```ts ignore
 * const target = await startTarget("memory");
 * const wire = await target.open();
 * ```
 */
export async function startTarget(transport: "memory" | "tcp"): Promise<Target> {
  const config = parseConfig(CONFIG, "fuzz.yaml");
  const errors: string[] = [];
  const log = createLogger({ level: "error", format: "json", sink: (l) => errors.push(l) });
  if (transport === "memory") {
    const broker = new Broker(config, { log });
    return {
      broker,
      errors,
      open: () => {
        const [server, end] = memoryPair({ listener: "fuzz" });
        return Promise.resolve(Wire.memory(end, broker.accept(server).closed));
      },
      close: () => broker.close(),
    };
  }
  const running = await startBroker(config, { log });
  const port = running.listeners.get("default")!.port;
  return {
    broker: running.broker,
    errors,
    open: async () => Wire.tcp(await Deno.connect({ hostname: "127.0.0.1", port })),
    close: () => running.close(),
  };
}
