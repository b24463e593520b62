/**
 * The restart figure of `deno task bench durable`: an Aviary database holding N persistent
 * sessions (one subscription each, offline, expiring in a day) and N retained messages (64-byte
 * payloads) is written through the SQLite store the broker itself uses, then Aviary is started on
 * it as a process: the time from spawning it to accepting connections (and the same on an empty
 * database, the process start alone), the load time the broker logs, its RSS once loaded, the
 * database size, and a check that a stored session resumes (CONNACK Session Present 1).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { aviaryArgs, aviaryConfigYaml } from "./brokers.ts";
import { freePort, spawn, stop, waitForPort } from "./_procs.ts";
import { rssKb } from "./load/procstat.ts";
import { encodeConnect } from "./load/codec.ts";
import { MqttConn } from "./load/conn.ts";
import { emptyBatch } from "../broker/session/durable_store.ts";
import { SqliteStore } from "../server/persistence/sqlite_store.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const HOST = "127.0.0.1";
const BATCH = 5000;

/** What a restart took. */
export interface RestartFigures {
  sessions: number;
  retained: number;
  /** Writing the database through the store (not part of the restart). */
  fillMs: number;
  /** Spawn to accepting connections on an empty database. */
  emptyReadyMs: number;
  /** Spawn to accepting connections on the full database. */
  readyMs: number;
  /** The broker's own "state loaded" time. */
  loadMs: number | null;
  rssEmptyKb: number | null;
  rssKb: number | null;
  /** Database file plus its WAL, after the restart and a clean stop. */
  dbBytes: number;
  /** A stored session resumed with Session Present 1. */
  sessionPresent: boolean;
}

/** Fills a database with `sessions` sessions and `retained` retained messages. */
function fill(file: string, sessions: number, retained: number): void {
  const store = new SqliteStore(file, "process");
  const opts = { qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 } as const;
  const expiresAt = Date.now() + 86_400_000;
  const payload = Buffer.alloc(64, 0x61);
  try {
    for (let at = 0; at < Math.max(sessions, retained); at += BATCH) {
      const batch = emptyBatch();
      for (let i = at; i < Math.min(at + BATCH, sessions); i++) {
        const subscriptions: [string, typeof opts][] = [[`dev/${i}/cmd`, opts]];
        batch.sessions.push({
          clientId: `dev-${i}`,
          expiryInterval: 86_400,
          subscriptions,
          expiresAt,
        });
      }
      for (let i = at; i < Math.min(at + BATCH, retained); i++) {
        const msg = {
          topic: `status/${i}`,
          payload,
          qos: 1,
          retain: true,
          properties: {},
        } as const;
        batch.retained.push({ topic: msg.topic, msg });
      }
      store.commit(batch);
    }
  } finally {
    store.close();
  }
}

/** Starts Aviary on `dataDir`; resolves once it accepts connections. */
async function start(dir: string, dataDir: string) {
  const port = freePort(HOST);
  const config = `${dir}/aviary.yaml`;
  const extra = "persistence: {backend: sqlite}\nlog: {level: info, format: json}\n";
  await Deno.writeTextFile(config, aviaryConfigYaml(port, dataDir, extra));
  const started = performance.now();
  const child = spawn("Aviary", "deno", aviaryArgs(config, dir), { cwd: ROOT });
  await waitForPort(HOST, port, child, 60_000);
  const readyMs = Math.round(performance.now() - started);
  await new Promise((r) => setTimeout(r, 1000));
  return { child, port, readyMs, rss: rssKb(child.pid) };
}

/** The broker's logged load time, from its JSON log. */
function loadMsOf(stderr: string): number | null {
  for (const line of stderr.split("\n")) {
    if (!line.includes("state loaded")) continue;
    try {
      return JSON.parse(line).ms ?? null;
    } catch { /* a partial line */ }
  }
  return null;
}

/** Resumes `clientId` (Clean Session 0) and returns whether the broker had its session. */
async function resumes(port: number, clientId: string): Promise<boolean> {
  const conn = await MqttConn.open(HOST, port);
  try {
    const connack = conn.expect("CONNACK", 2, 10_000);
    conn.write(encodeConnect(clientId, 4, 60, undefined, false));
    const ack = await connack;
    return (ack[0] & 1) === 1 && ack[1] === 0;
  } finally {
    conn.close();
  }
}

async function size(file: string): Promise<number> {
  return await Deno.stat(file).then((s) => s.size, () => 0);
}

/** Measures the restart on a database of `sessions` sessions and `retained` retained messages. */
export async function restartBench(opts: {
  sessions: number;
  retained: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<RestartFigures> {
  const dir = await Deno.makeTempDir({ dir: opts.workDir, prefix: "restart-" });
  const dataDir = `${dir}/data`;
  const empty = await start(dir, dataDir);
  await stop(empty.child, "SIGINT");
  opts.log(`  restart: empty database ready in ${empty.readyMs} ms, RSS ${empty.rss} KiB`);
  const filled = performance.now();
  fill(`${dataDir}/aviary.db`, opts.sessions, opts.retained);
  const fillMs = Math.round(performance.now() - filled);
  opts.log(`  restart: wrote ${opts.sessions} sessions, ${opts.retained} retained in ${fillMs} ms`);
  const full = await start(dir, dataDir);
  let sessionPresent = false;
  try {
    sessionPresent = await resumes(full.port, `dev-${Math.floor(opts.sessions / 2)}`);
  } finally {
    await stop(full.child, "SIGINT", 30_000);
  }
  const db = `${dataDir}/aviary.db`;
  const figures: RestartFigures = {
    sessions: opts.sessions,
    retained: opts.retained,
    fillMs,
    emptyReadyMs: empty.readyMs,
    readyMs: full.readyMs,
    loadMs: loadMsOf(full.child.stderrTail()),
    rssEmptyKb: empty.rss,
    rssKb: full.rss,
    dbBytes: await size(db) + await size(`${db}-wal`),
    sessionPresent,
  };
  opts.log(`  restart: ${JSON.stringify(figures)}`);
  return figures;
}
