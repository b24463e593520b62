/**
 * The operator's steps as real processes: `deno task start` (the launcher) on a config in a temp
 * dir outside the checkout, and the `aviary` CLI.
 *
 * @module
 */
import assert from "node:assert/strict";

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
  /** Sends SIGHUP (reload the config). */
  hup(): void;
  /** Waits (up to 15 s) until the log matches `pattern` at least `count` times. */
  waitFor(pattern: RegExp, count?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/** Waits (up to 15 s) until `text()` matches `pattern` at least `count` times. */
export async function waitForLog(text: () => string, pattern: RegExp, count = 1): Promise<void> {
  const global = new RegExp(
    pattern.source,
    pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g",
  );
  const until = Date.now() + 15_000;
  while ((text().match(global)?.length ?? 0) < count) {
    if (Date.now() > until) throw new Error(`No ${count} x ${pattern} in the log:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `deno task start <args>` and waits for "Aviary started". */
export function startBroker(args: string[]): Promise<Started> {
  return spawnBroker(Deno.execPath(), ["task", "-q", "start", ...args], { cwd: CHECKOUT });
}

/** Runs `command args` (a broker printing its log on stderr) and waits for "Aviary started". */
export async function spawnBroker(
  command: string,
  args: string[],
  opts: { cwd: string },
): Promise<Started & { pid: number }> {
  const child = new Deno.Command(command, {
    args,
    cwd: opts.cwd,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  let exited = false;
  child.status.then(() => exited = true);
  const until = Date.now() + 20_000;
  while (!text.includes("Aviary started")) {
    if (Date.now() > until || exited) {
      child.kill("SIGKILL");
      await child.status;
      await reading;
      throw new Error(`Broker did not start: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid,
    log: () => text,
    mqtt: text.match(/Listening .*address=(\S+)/)![1],
    admin: text.match(/Admin API and dashboard url=(\S+)/)?.[1],
    hup: () => child.kill("SIGHUP"),
    waitFor: (pattern, count) => waitForLog(() => text, pattern, count),
    stop: async () => {
      child.kill("SIGTERM");
      const status = await child.status;
      await reading;
      return status.code;
    },
  };
}

/** Sample lines of the Prometheus text format: name, labels, value; checks every line's shape. */
export function parsePrometheus(
  text: string,
): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/);
    if (meta) {
      if (meta[1] === "TYPE") {
        assert.match(meta[3], /^(counter|gauge|histogram|summary|untyped)$/);
        assert.ok(!types.has(meta[2]), `TYPE given twice for ${meta[2]}`);
        types.set(meta[2], meta[3]);
      }
      continue;
    }
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[l[1]] = l[2];
    }
    const value = m[4] === "+Inf" ? Infinity : Number(m[4]);
    assert.ok(!Number.isNaN(value), `not a number: ${line}`);
    const family = m[1].replace(/_(bucket|count|sum)$/, "");
    assert.ok(types.has(m[1]) || types.get(family) === "histogram", `no TYPE for ${m[1]}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
