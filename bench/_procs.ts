/**
 * Child processes the benchmark starts: spawning with a raised file-descriptor limit, tracking for
 * cleanup (on error and on Ctrl-C), waiting for a port, stopping with a grace period.
 *
 * @module
 */

/** A started child with its output kept (the last 8 KiB of standard error). */
export interface Child {
  readonly label: string;
  readonly process: Deno.ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** The tail of standard error so far. */
  stderrTail(): string;
}

const running = new Set<Child>();
const RAISE_NOFILE = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';

/** Options for {@linkcode spawn}. */
export interface SpawnOptions {
  cwd?: string;
  stdin?: "piped" | "null";
  stdout?: "piped" | "null";
}

/**
 * Starts `cmd args` through `sh` with `ulimit -n 65536` (the shell `exec`s, so the pid is the
 * program's own) and tracks it until it exits.
 */
export function spawn(label: string, cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const process = new Deno.Command("sh", {
    args: ["-c", RAISE_NOFILE, "sh", cmd, ...args],
    cwd: opts.cwd,
    stdin: opts.stdin ?? "null",
    stdout: opts.stdout ?? "null",
    stderr: "piped",
  }).spawn();
  let tail = "";
  const decoder = new TextDecoder();
  const drained = (async () => {
    for await (const chunk of process.stderr) tail = (tail + decoder.decode(chunk)).slice(-8192);
  })().catch(() => {});
  const child: Child = {
    label,
    process,
    pid: process.pid,
    exited: process.status.then(async (s) => {
      running.delete(child);
      await drained;
      return s.code;
    }),
    stderrTail: () => tail,
  };
  running.add(child);
  return child;
}

/** Sends `signal`, waits up to `graceMs`, then kills. Resolves with the exit code. */
export async function stop(child: Child, signal: Deno.Signal = "SIGTERM", graceMs = 5000) {
  try {
    child.process.kill(signal);
  } catch { /* already gone */ }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), graceMs));
  const first = await Promise.race([child.exited, late]);
  clearTimeout(timer);
  if (first !== "late") return first;
  try {
    child.process.kill("SIGKILL");
  } catch { /* gone meanwhile */ }
  return await child.exited;
}

/** Kills every child still running (used on Ctrl-C and on errors). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => stop(c, "SIGTERM", 2000)));
}

/** Waits until `port` on `host` accepts TCP connections, or throws after `timeoutMs`. */
export async function waitForPort(host: string, port: number, child: Child, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`${child.label} exited before listening: ${child.stderrTail().trim()}`);
    }
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${child.label} did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

/** A TCP port that was free a moment ago. */
export function freePort(host = "127.0.0.1"): number {
  const l = Deno.listen({ hostname: host, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Reads standard output line by line. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered.length > 0) yield buffered;
}
