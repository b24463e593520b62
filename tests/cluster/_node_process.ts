// An Aviary node as a real process (`main.ts --config <yaml>`) on SQLite in its own data
// directory, in a cluster over one NATS server; resolves once it listens.

import { freePort } from "./_nats.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running node process. */
export interface NodeProcess {
  url: string;
  port: number;
  /** Everything it logged. */
  log(): string;
  /** `kill -9`. */
  kill(): Promise<void>;
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
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-A", MAIN, "--config", config],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  let started!: () => void;
  const ready = new Promise<void>((r) => started = r);
  const done = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.includes("Aviary started")) started();
    }
  })();
  const timeout = setTimeout(() => started(), 15_000);
  await ready;
  clearTimeout(timeout);
  const kill = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already ended
    }
    await child.status;
    await done;
  };
  if (!text.includes("Aviary started")) {
    await kill();
    throw new Error(`Node ${name} did not start:\n${text}`);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log: () => text,
    kill,
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}
