/**
 * The operator's steps as real processes: `deno task start` (the launcher) on a config in a temp
 * dir outside the checkout, and the `aviary` CLI.
 *
 * @module
 */
const CHECKOUT = new URL("../../", import.meta.url).pathname;
const dec = new TextDecoder();

/** A finished command: exit code and output. */
export interface Output {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `deno task start <args>` in the checkout until it exits. */
export async function startTask(args: string[], env: Record<string, string> = {}): Promise<Output> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "start", ...args],
    cwd: CHECKOUT,
    env,
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs the `aviary` launcher the way the installed command does, from `cwd`. */
export async function aviary(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Output> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${CHECKOUT}deno.json`,
      "--no-prompt",
      "--ignore-env",
      "--allow-read",
      "--allow-run=deno",
      `${CHECKOUT}cli/launch.ts`,
      ...args,
    ],
    cwd: opts.cwd ?? CHECKOUT,
    env: opts.env,
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A broker started with `deno task start`, its log and its addresses. */
export interface Started {
  /** Everything it printed on stderr so far. */
  log(): string;
  /** The first `Listening` address (`127.0.0.1:port`). */
  mqtt: string;
  /** The admin URL, when the admin API runs. */
  admin?: string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/** Starts `deno task start <args>` and waits for "Aviary started". */
export async function startBroker(args: string[]): Promise<Started> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "start", ...args],
    cwd: CHECKOUT,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  const until = Date.now() + 20_000;
  while (!text.includes("Aviary started")) {
    if (Date.now() > until || /exited|error/i.test(text)) {
      child.kill("SIGKILL");
      await child.status;
      await reading;
      throw new Error(`Broker did not start: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    log: () => text,
    mqtt: text.match(/Listening .*address=(\S+)/)![1],
    admin: text.match(/Admin API and dashboard url=(\S+)/)?.[1],
    stop: async () => {
      child.kill("SIGTERM");
      const status = await child.status;
      await reading;
      return status.code;
    },
  };
}
