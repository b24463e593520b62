/**
 * Idle connections: open `count` MQTT connections (CONNECT, with a user name if asked, wait for
 * CONNACK, then nothing), report once, keep them open until standard input closes.
 *
 * @module
 */
import { encodeConnect, nowMs } from "./codec.ts";
import type { IdleResult, IdleSpec } from "./spec.ts";

/** Opens the idle connections; returns them (to close later) and the result to report. */
export async function openIdle(
  spec: IdleSpec,
): Promise<{ conns: Deno.TcpConn[]; result: IdleResult }> {
  const conns: Deno.TcpConn[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const startedAt = nowMs();
  const deadline = startedAt + spec.timeoutMs;
  const lane = async () => {
    const buf = new Uint8Array(16);
    while (next < spec.count && nowMs() < deadline) {
      const n = next++;
      const username = spec.usernamePrefix === undefined ? undefined : `${spec.usernamePrefix}${n}`;
      try {
        conns.push(await handshake(spec, `${spec.runId}-i${n}`, username, buf));
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.count) }, lane));
  const result: IdleResult = {
    mode: "idle",
    connected: conns.length,
    failed: failed + (spec.count - next),
    firstError,
    startedAt,
    endedAt: nowMs(),
  };
  return { conns, result };
}

const HANDSHAKE_MS = 10_000;

async function handshake(
  spec: IdleSpec,
  id: string,
  username: string | undefined,
  buf: Uint8Array,
): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: spec.host, port: spec.port });
  // A broker that stops answering (out of file descriptors, say) must not hang this lane.
  const timer = setTimeout(() => conn.close(), HANDSHAKE_MS);
  try {
    const connect = encodeConnect(id, spec.version, spec.keepalive, username);
    let off = 0;
    while (off < connect.length) off += await conn.write(connect.subarray(off));
    let got = 0;
    while (got < 4) {
      const n = await conn.read(buf.subarray(got));
      if (n === null) throw new Error("Connection closed before CONNACK");
      got += n;
    }
    if (buf[0] >> 4 !== 2 || buf[3] !== 0) throw new Error(`CONNACK refused with code ${buf[3]}`);
    return conn;
  } catch (err) {
    try {
      conn.close();
    } catch { /* closed by the timer */ }
    throw err instanceof Deno.errors.BadResource ? new Error("No CONNACK within 10 s") : err;
  } finally {
    clearTimeout(timer);
  }
}
