/**
 * The brokers under test and how to start each one as its own process on 127.0.0.1 and a free
 * port: Aviary (`deno run main.ts --config <generated>`), Mosquitto (`mosquitto -c <generated>`) and
 * aedes (`node bench/peers/aedes_server.mjs`).
 *
 * @module
 */
import { parse, stringify } from "yaml";
import { parseConfig } from "../server/config/mod.ts";
import { type Child, freePort, spawn, stop, waitForPort } from "./_procs.ts";

/** Which broker. */
export type BrokerId = "aviary" | "mosquitto" | "aedes";

/** Every broker, in the order runs are interleaved. */
export const BROKERS: readonly BrokerId[] = ["aviary", "mosquitto", "aedes"];

/** Display names. */
export const BROKER_LABELS: Record<BrokerId, string> = {
  aviary: "Aviary",
  mosquitto: "Mosquitto",
  aedes: "aedes",
};

/** Brokers that speak MQTT 5. */
export const SPEAKS_V5: ReadonlySet<BrokerId> = new Set(["aviary", "mosquitto"]);

/** A broker process listening on `host:port`. */
export interface RunningBroker {
  readonly id: BrokerId;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly child: Child;
  /** Stops the broker (SIGINT for Aviary so a CPU profile gets written, SIGTERM otherwise). */
  stop(): Promise<void>;
}

/** How to start a broker. */
export interface StartOptions {
  /** Scratch directory for generated configs and data. */
  workDir: string;
  /** Extra YAML merged into Aviary's generated config (ignored by the peers). */
  aviaryExtraYaml?: string;
  /** Directory for a V8 CPU profile of Aviary (`--cpu-prof`). */
  cpuProfDir?: string;
  /** Mosquitto with `persistence true` in its scratch directory (default: `persistence false`). */
  mosquittoPersistence?: boolean;
}

const ROOT = new URL("..", import.meta.url).pathname;
const HOST = "127.0.0.1";
/** Where aedes is installed (`npm install --prefix bench/peers`). */
export const PEERS_DIR = new URL("./peers/", import.meta.url).pathname;

/**
 * Aviary's config for the benchmark: one tcp listener, anonymous clients, warnings only, a scratch
 * data dir; `extraYaml` (for example a `plugins:` section) is merged in, maps key by key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aviaryConfigYaml } from "./brokers.ts";
 * const yaml = aviaryConfigYaml(1884, "/tmp/aviary-bench", "mqtt:\n  max_inflight: 20\n");
 * assert.ok(yaml.includes("max_inflight: 20"));
 * assert.ok(yaml.includes("127.0.0.1:1884"));
 * ```
 */
export function aviaryConfigYaml(port: number, dataDir: string, extraYaml = ""): string {
  const base = {
    listeners: { default: { type: "tcp", bind: `${HOST}:${port}` } },
    log: { level: "warn" },
    auth: { allow_anonymous: true },
    data_dir: dataDir,
    persistence: { backend: "memory" },
  };
  const extra = extraYaml.trim() === "" ? {} : parse(extraYaml);
  if (extra === null || typeof extra !== "object" || Array.isArray(extra)) {
    throw new TypeError("Cannot merge the extra Aviary YAML: it is not a map");
  }
  const text = stringify(merge(base, extra as Record<string, unknown>));
  parseConfig(text, "(bench config)");
  return text;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    const bothMaps = isMap(mine) && isMap(v);
    out[k] = bothMaps ? merge(mine as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

function isMap(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Why a broker cannot run here (with how to fix it), or null when it can. */
export async function missing(id: BrokerId): Promise<string | null> {
  if (id === "aviary") return null;
  if (id === "mosquitto") {
    return await which("mosquitto")
      ? null
      : "Mosquitto is not installed: apt-get install mosquitto (runs as `mosquitto -c <conf>`)";
  }
  if (!await which("node")) return "aedes needs Node.js (node) on PATH: apt-get install nodejs";
  try {
    await Deno.stat(`${PEERS_DIR}node_modules/aedes/package.json`);
    return null;
  } catch {
    return "aedes is not installed in bench/peers/node_modules: run `deno task bench --install-peers` " +
      "(npm install --prefix bench/peers, aedes@1.2.0 from bench/peers/package.json)";
  }
}

async function which(cmd: string): Promise<boolean> {
  const out = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
    .output();
  return out.success;
}

/**
 * The `deno` arguments that run Aviary on `config`, writing only under `dir` (the launcher's
 * broker line, with the flags of `deno task start`).
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { aviaryArgs } from "./brokers.ts";
 * ok(aviaryArgs("/t/a.yaml", "/t").includes("--allow-write=/t"));
 * ```
 */
export function aviaryArgs(config: string, dir: string, before: string[] = []): string[] {
  return [
    "run",
    "--v8-flags=--max-semi-space-size=2",
    ...before,
    "--no-prompt",
    "--ignore-env",
    "--allow-net",
    "--allow-read",
    "--allow-run=deno",
    `--allow-write=${dir}`,
    "main.ts",
    "--config",
    config,
  ];
}

/** Starts a broker and waits until it accepts connections. */
export async function startBroker(id: BrokerId, opts: StartOptions): Promise<RunningBroker> {
  const port = freePort(HOST);
  const dir = await Deno.makeTempDir({ dir: opts.workDir, prefix: `${id}-` });
  let child: Child;
  if (id === "aviary") {
    const config = `${dir}/aviary.yaml`;
    await Deno.writeTextFile(config, aviaryConfigYaml(port, `${dir}/data`, opts.aviaryExtraYaml));
    const prof = opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    child = spawn("Aviary", "deno", aviaryArgs(config, dir, prof), { cwd: ROOT });
  } else if (id === "mosquitto") {
    const config = `${dir}/mosquitto.conf`;
    await Deno.writeTextFile(
      config,
      `listener ${port} ${HOST}\nallow_anonymous true\nlog_dest stderr\nlog_type error\n` +
        (opts.mosquittoPersistence
          ? `persistence true\npersistence_location ${dir}/\n`
          : "persistence false\n"),
    );
    child = spawn("Mosquitto", "mosquitto", ["-c", config]);
  } else {
    child = spawn("aedes", "node", [`${PEERS_DIR}aedes_server.mjs`, String(port), HOST]);
  }
  try {
    await waitForPort(HOST, port, child);
  } catch (err) {
    await stop(child, "SIGKILL", 1000);
    throw err;
  }
  const signal: Deno.Signal = id === "aviary" ? "SIGINT" : "SIGTERM";
  return {
    id,
    host: HOST,
    port,
    pid: child.pid,
    child,
    stop: async () => {
      await stop(child, signal, opts.cpuProfDir ? 30_000 : 5000);
    },
  };
}
