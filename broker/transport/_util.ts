import type { Connection, ConnectionHandler } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { formatAddr } from "./address.ts";
import { ListenerError } from "./errors.ts";

/** The message of a thrown value. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Hands a new connection to `onConnection`; when that throws, closes it and reports the error. */
export function handOver(
  conn: Connection,
  onConnection: ConnectionHandler,
  opts: ListenOptions,
): void {
  try {
    onConnection(conn);
  } catch (error) {
    conn.close();
    if (error instanceof Error) opts.onError?.(error);
  }
}

/** The reason text for a failed bind. */
export function bindFailure(addr: BindAddress, cause: unknown): string {
  return `cannot bind ${formatAddr(addr.hostname, addr.port)}: ${messageOf(cause)}`;
}

/** Reads a PEM file named by option `what` (`cert`, `key`, `ca`) of listener `name`. */
export async function readPem(name: string, what: string, path: string | null): Promise<string> {
  if (path === null || path === "") throw new ListenerError(name, `option "${what}" is required`);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (cause) {
    const why = messageOf(cause);
    throw new ListenerError(name, `cannot read ${what} file "${path}": ${why}`, { cause });
  }
  if (!text.includes("-----BEGIN ")) {
    throw new ListenerError(name, `${what} file "${path}" holds no PEM block`);
  }
  return text;
}

/** The PEM texts a secure listener needs. */
export interface TlsFiles {
  cert: string;
  key: string;
  /** Present when client certificates are asked for. */
  ca?: string;
}

/** Paths of a secure listener's PEM files, as in `ListenerConfig`. */
export interface TlsPaths {
  cert: string | null;
  key: string | null;
  ca?: string | null;
}

/** Reads the cert, key and (when given) CA files of listener `name`, in that order. */
export async function readTlsFiles(name: string, paths: TlsPaths): Promise<TlsFiles> {
  const cert = await readPem(name, "cert", paths.cert);
  const key = await readPem(name, "key", paths.key);
  const ca = paths.ca ? await readPem(name, "ca", paths.ca) : undefined;
  return ca === undefined ? { cert, key } : { cert, key, ca };
}
