// An Aviary node as a real process (`main.ts --config <yaml>`) on SQLite in its own data
// directory, in a cluster over one NATS server; resolves once it listens.

import { type BrokerProcess, spawnBroker } from "../_broker_process.ts";
import { freePort } from "./_nats.ts";

/** A running node process. */
export interface NodeProcess {
  url: string;
  port: number;
  /** Everything it logged (since its last start). */
  log(): string;
  /** `kill -9`. */
  kill(): Promise<void>;
  /** Starts it again on the same data directory and port (after `kill()`). */
  start(): Promise<void>;
  /** Removes its data directory (after it ended). */
  dispose(): Promise<void>;
}

/** Starts node `name` of the cluster `prefix` on `natsUrl`. */
export async function startNodeProcess(
  name: string,
  prefix: string,
  natsUrl: string,
): Promise<NodeProcess> {
  const dir = await Deno.makeTempDir({ prefix: `aviary-${name}-` });
  const port = freePort();
  const config = `${dir}/aviary.yaml`;
  await Deno.writeTextFile(
    config,
    `listeners:\n  default: {type: tcp, bind: "127.0.0.1:${port}"}\n` +
      `auth: {allow_anonymous: true}\ndata_dir: ${dir}\nadmin: {enable: false}\n` +
      `cluster: {enable: true, node: ${name}, subject_prefix: ${prefix}, ` +
      `nats: {servers: ["${natsUrl}"]}}\n`,
  );
  let broker: BrokerProcess = await spawnBroker(config).catch(async (err) => {
    await Deno.remove(dir, { recursive: true });
    throw new Error(`Node ${name}: ${err.message}`);
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log: () => broker.log(),
    kill: () => broker.stop(),
    start: async () => void (broker = await spawnBroker(config)),
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}
