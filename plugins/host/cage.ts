/**
 * What a caged runner needs from its cage, whatever it is: a Worker (worker_cage.ts) or a child
 * Deno process (process_cage.ts). A cage is opened with exact permissions, carries rpc.ts batches
 * both ways and reports its own death; everything it delivers is untrusted.
 *
 * @module
 */

import type { LoadedSource } from "./loader.ts";
import type { WorkerPermissions } from "./permissions.ts";
import type { Port } from "./rpc.ts";

/** What the cage reports to its runner. */
export interface CageEvents {
  /** A batch arrived from the plugin (not validated yet: hand it to `RpcPeer.receive`). */
  receive(batch: unknown): void;
  /** The cage died: uncaught error, exit, out of memory. */
  crash(reason: string): void;
  /** The plugin sent bytes that are not a message; the cage is of no further use. */
  invalid(reason: string): void;
}

/** One open cage. */
export interface CageHandle {
  /** Sends batches to the plugin. */
  port: Port;
  /** Ends the cage at once; resolves when everything it held is released. */
  terminate(): Promise<void>;
}

/** A way to run a plugin apart from the broker. */
export interface Cage {
  readonly kind: "worker" | "process";
  /** The plugin's code, as the loader verified it. */
  readonly source: LoadedSource;
  /** Starts a fresh instance holding exactly `permissions`. Throws PluginLoadError. */
  open(permissions: WorkerPermissions, events: CageEvents): CageHandle;
}
