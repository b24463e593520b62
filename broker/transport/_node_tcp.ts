import net from "node:net";
import type { ConnectionHandler, Listener } from "./connection.ts";
import type { BindAddress, ListenOptions } from "./options.ts";
import { ListenerError } from "./errors.ts";
import { ConnectionLimit } from "./_limit.ts";
import { NodeConnection, nodeListener, type NodeListenerContext } from "./_node_conn.ts";
import { bindFailure, handOver } from "./_util.ts";

/**
 * Runs a plain TCP listener on `node:net` (`socket: node`): the runtime calls back when bytes
 * arrive, so an idle connection holds no pending read and no read buffer (`_node_conn.ts`).
 */
export async function listenNodeTcp(
  name: string,
  addr: BindAddress,
  onConnection: ConnectionHandler,
  opts: ListenOptions,
): Promise<Listener> {
  const ctx: NodeListenerContext = {
    listener: name,
    transport: "tcp",
    limit: new ConnectionLimit(opts.maxConnections),
    onError: opts.onError,
  };
  const server = net.createServer({ noDelay: true });
  server.on("connection", (socket: net.Socket) => {
    if (!ctx.limit.tryAcquire()) return void socket.destroy();
    handOver(new NodeConnection(socket, ctx), onConnection, opts);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(addr.port, addr.hostname, () => resolve());
    });
  } catch (cause) {
    throw new ListenerError(name, bindFailure(addr, cause), { cause });
  }
  server.on("error", (error) => opts.onError?.(error));
  return nodeListener(server, name, "tcp");
}
