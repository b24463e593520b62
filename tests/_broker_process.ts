// One Aviary broker as a real process (`main.ts --config <yaml>`), for the tests that kill it
// (`kill -9`) and start it again on the same data directory.

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** A running broker process. */
export interface BrokerProcess {
  child: Deno.ChildProcess;
  /** Resolves once its stderr has ended. */
  done: Promise<void>;
  /** Everything it logged. */
  log(): string;
  /** Sends `signal` (default SIGKILL) and waits for the end; nothing when it already ended. */
  stop(signal?: Deno.Signal): Promise<void>;
}

/**
 * Starts `main.ts --config <config>` and resolves once it logs "Aviary started"; throws with its
 * log when it does not within 15 s. `echo` copies its log to this process's stderr.
 */
export async function spawnBroker(config: string, echo = false): Promise<BrokerProcess> {
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
      if (echo) console.error(chunk.trimEnd());
    }
    started(); // ended before it started
  })();
  const timeout = setTimeout(() => started(), 15_000);
  await ready;
  clearTimeout(timeout);
  const stop = async (signal: Deno.Signal = "SIGKILL") => {
    try {
      child.kill(signal);
    } catch {
      // already ended
    }
    await child.status;
    await done;
  };
  if (!text.includes("Aviary started")) {
    await stop();
    throw new Error(`The broker did not start:\n${text}`);
  }
  return { child, done, log: () => text, stop };
}
