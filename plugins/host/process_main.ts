/**
 * Root module of a plugin process (`isolation: process`). The broker starts it as
 * `deno run --no-prompt --no-config --cached-only --v8-flags=--max-old-space-size=<memory_mb>
 * --allow-…(declared ∩ granted) process_main.ts`: the flags are the cage, the heap limit ends only
 * this process, and `--cached-only` means nothing is fetched at run time (a plugin's npm and remote
 * imports were resolved when it was loaded). The plugin itself is imported later from a `blob:`
 * URL (see worker_bootstrap.ts); the RPC runs over stdin/stdout (process_channel.ts).
 *
 * @module
 */

import { processChannel } from "./process_channel.ts";
import { runWorker } from "./worker_bootstrap.ts";

runWorker(null, processChannel());
