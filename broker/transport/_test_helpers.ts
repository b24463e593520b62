import { chunksOf } from "./_chunk_queue.ts";
import type { Connection, ConnectionHandler } from "./connection.ts";

/** A handler that queues accepted connections, and a way to await the next one. */
export function connectionInbox(): { handler: ConnectionHandler; next(): Promise<Connection> } {
  const ready: Connection[] = [];
  const waiting: ((conn: Connection) => void)[] = [];
  return {
    handler: (conn) => {
      const waiter = waiting.shift();
      if (waiter) waiter(conn);
      else ready.push(conn);
    },
    next: () => {
      const conn = ready.shift();
      return conn ? Promise.resolve(conn) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Echoes everything a connection reads until it ends. */
export async function echo(conn: Connection): Promise<void> {
  for await (const chunk of chunksOf(conn)) await conn.write(chunk);
}

/** Reads exactly `n` bytes from a client socket (fewer if it ends first). */
export async function readBytes(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const read = await conn.read(out.subarray(got));
    if (read === null) return out.subarray(0, got);
    got += read;
  }
  return out;
}

/** Writes every byte to a client socket. */
export async function writeBytes(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** Bytes with a pattern that shows reordering or loss. */
export function pattern(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** Whether two byte arrays are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
