import type { ConnectionHandler, Listener } from "./connection.ts";
import type { ListenOptions } from "./options.ts";
import { DenoConnection, isQuietError } from "./_deno_conn.ts";
import { ConnectionLimit } from "./_limit.ts";
import { handOver } from "./_util.ts";

/** Pause after an accept error other than closing (for example too many open files). */
const ACCEPT_RETRY_MS = 50;

/** Runs the accept loop of a `Deno.listen` / `Deno.listenTls` listener. */
export function serveDenoListener(
  raw: Deno.Listener,
  name: string,
  transport: "tcp" | "tls",
  onConnection: ConnectionHandler,
  opts: ListenOptions,
): Listener {
  const limit = new ConnectionLimit(opts.maxConnections);
  let closing = false;
  const accept = async (): Promise<void> => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await raw.accept();
      } catch (error) {
        if (closing || error instanceof Deno.errors.BadResource) return;
        if (!isQuietError(error) && error instanceof Error) opts.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      if (!limit.tryAcquire()) {
        closeQuietly(conn);
        continue;
      }
      const onClose = limit.releaser();
      const wrapped = new DenoConnection(conn, {
        listener: name,
        transport,
        onClose,
        onError: opts.onError,
      });
      handOver(wrapped, onConnection, opts);
    }
  };
  const loop = accept();
  const addr = raw.addr as Deno.NetAddr;
  return {
    name,
    transport,
    hostname: addr.hostname,
    port: addr.port,
    async close() {
      if (!closing) {
        closing = true;
        closeQuietly(raw);
      }
      await loop;
    },
  };
}

function closeQuietly(closer: { close(): void }): void {
  try {
    closer.close();
  } catch {
    // Already closed.
  }
}
