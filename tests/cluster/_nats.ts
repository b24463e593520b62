// A NATS server with JetStream for one test file, on a free loopback port, in a temporary
// directory; `NATS_SERVER` is undefined when the `nats-server` binary is not installed.

import { delay } from "../helpers.ts";

/** The nats-server binary, if installed. */
export const NATS_SERVER: string | undefined = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
  .find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });

if (!NATS_SERVER) {
  console.warn(
    "tests/cluster: skipped, nats-server is not installed (apt-get install nats-server)",
  );
}

/** A running nats-server. */
export interface Nats {
  url: string;
  port: number;
  /** Stops the server (the store directory is kept for {@linkcode Nats.restart}). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused process run again (SIGCONT). */
  resume(): void;
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await delay(25);
    }
  }
  throw new Error(`nats-server did not listen on ${port}`);
}

/** Starts nats-server -js on a free port (`extra`: more arguments, e.g. cluster routes). */
export async function startNats(extra: string[] = [], port = freePort()): Promise<Nats> {
  const dir = await Deno.makeTempDir({ prefix: "aviary-nats-" });
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command(NATS_SERVER!, {
      args: ["-js", "-sd", dir, "-a", "127.0.0.1", "-p", String(port), ...extra],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitListening(port);
  };
  const stop = async () => {
    if (!child) return;
    child.kill("SIGTERM");
    await child.status;
    child = undefined;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    restart: start,
    dispose: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * Starts `n` nats-servers routed into one NATS cluster with JetStream, and waits until each
 * reports JetStream healthy (a meta leader was elected).
 */
export async function startNatsCluster(n: number): Promise<Nats[]> {
  const routes = Array.from({ length: n }, () => freePort());
  const monitors = Array.from({ length: n }, () => freePort());
  const all = routes.map((p) => `nats://127.0.0.1:${p}`).join(",");
  const servers = await Promise.all(routes.map((route, i) =>
    startNats([
      "--name",
      `s${i + 1}`,
      "--cluster_name",
      "aviary-test",
      "--cluster",
      `nats://127.0.0.1:${route}`,
      "--routes",
      all,
      "-m",
      String(monitors[i]),
    ])
  ));
  for (const m of monitors) {
    for (let i = 0;; i++) {
      const res = await fetch(`http://127.0.0.1:${m}/healthz?js-enabled-only=false`).catch(() =>
        undefined
      );
      const ok = res?.ok;
      await res?.body?.cancel();
      if (ok) break;
      if (i > 300) throw new Error("the NATS cluster's JetStream did not become healthy");
      await delay(50);
    }
  }
  return servers;
}
