// aedes 1.x with in-memory persistence on one TCP listener, for `deno task bench`.
// Usage: node bench/peers/aedes_server.mjs <port> [host]
import { createServer } from "node:net";
import process from "node:process";

const port = Number(process.argv[2] ?? 1883);
const host = process.argv[3] ?? "127.0.0.1";
// A computed specifier: Node resolves it from bench/peers/node_modules; `deno check` leaves it alone.
const AEDES = "aedes";
const { Aedes } = await import(AEDES);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, host, () => console.log(`aedes listening on ${host}:${port}`));

function shutdown() {
  server.close();
  broker.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
