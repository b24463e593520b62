/**
 * `isolation: worker`: a Web Worker with Deno permissions. Cheap to cross into, but it shares the
 * broker's process: there is no heap limit (an out-of-memory in a worker ends the whole broker)
 * and npm packages a worker imports at run time are fetched with the broker's own network access.
 * Used for the built-ins, and for plugins an operator explicitly trusts with `isolation: worker`.
 *
 * @module
 */

import type { Cage, CageEvents, CageHandle } from "./cage.ts";
import { PluginLoadError } from "./errors.ts";
import { checkBrokerHolds } from "./cage_flags.ts";
import type { LoadedSource } from "./loader.ts";
import type { WorkerPermissions } from "./permissions.ts";
import { postFrame, readPosted } from "./frames.ts";

const BOOTSTRAP = new URL("./worker_bootstrap.ts", import.meta.url).href;
const WORKER_MAIN = new URL("./worker_main.ts", import.meta.url).href;

function rootModule(source: LoadedSource): string {
  if (source.kind !== "trusted") return WORKER_MAIN;
  // A built-in is imported statically by the root, i.e. with the broker's module-loading
  // permissions, so it may span files. Its Deno API calls still obey the worker's permissions.
  const code = `import { runWorker } from ${JSON.stringify(BOOTSTRAP)};\n` +
    `import * as plugin from ${JSON.stringify(source.url)};\nrunWorker(plugin);\n`;
  return `data:application/javascript;base64,${btoa(code)}`;
}

/**
 * Opens Workers for one plugin.
 *
 * @example
 * ```ts ignore
 * const cage = new WorkerCage("acl", source);
 * const handle = cage.open(workerPermissions({}), events);
 * ```
 */
export class WorkerCage implements Cage {
  readonly kind = "worker";
  constructor(readonly alias: string, readonly source: LoadedSource) {}

  open(permissions: WorkerPermissions, events: CageEvents): CageHandle {
    checkBrokerHolds(this.alias, permissions); // names the exact --allow-* flags lacking
    let worker: Worker;
    try {
      worker = new Worker(rootModule(this.source), {
        type: "module",
        name: `plugin:${this.alias}`,
        deno: { permissions },
      });
    } catch (err) {
      throw new PluginLoadError(
        this.alias,
        `the broker process itself lacks a permission this plugin needs (${
          (err as Error).message
        }); start the broker with the matching --allow-* flag`,
        { cause: err },
      );
    }
    worker.onmessage = (e) => {
      let batch: unknown;
      try {
        batch = readPosted(e.data);
      } catch (err) {
        return events.invalid(`bad frame from the plugin worker: ${(err as Error).message}`);
      }
      events.receive(batch);
    };
    worker.onmessageerror = () => events.invalid("message could not be deserialized");
    worker.onerror = (e) => {
      e.preventDefault();
      events.crash(`uncaught error: ${e.message}`);
    };
    return {
      port: { postMessage: (batch) => postFrame(worker, batch) },
      terminate: () => Promise.resolve(worker.terminate()),
    };
  }
}
