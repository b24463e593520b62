/**
 * The channel of a plugin process: rpc.ts batches as frames.ts frames, host → plugin on stdin,
 * plugin → host on stdout. Taking it points `Deno.stdout` at stderr, so that a plugin printing
 * cannot corrupt the pipe by accident; one that writes to file descriptor 1 on purpose only breaks
 * its own channel, and the host restarts it.
 *
 * @module
 */

import { FrameReader, FrameWriter } from "./frames.ts";
import type { Channel } from "./worker_bootstrap.ts";

/**
 * Takes stdin/stdout for the RPC; the process exits when the host closes the pipe.
 *
 * @example
 * ```ts ignore
 * import { runWorker } from "./worker_bootstrap.ts";
 * runWorker(null, processChannel());
 * ```
 */
export function processChannel(): Channel {
  const out = Deno.stdout, input = Deno.stdin;
  Object.defineProperty(Deno, "stdout", { value: Deno.stderr });
  const gone = () => Deno.exit(0);
  // Straight to the file descriptors: no stream machinery per write or read.
  const frames = new FrameWriter((bytes) => writeAll(out, bytes).catch(gone));
  return {
    port: { postMessage: (batch) => frames.pushValue(batch) },
    listen(receive) {
      (async () => {
        const reader = new FrameReader(Number.MAX_SAFE_INTEGER, true); // the host is trusted
        for (;;) {
          // A new buffer per read: what the plugin is given are views of it.
          const chunk = new Uint8Array(READ_SIZE);
          const n = await input.read(chunk);
          if (n === null) break;
          for (const batch of reader.push(chunk.subarray(0, n))) receive(batch);
        }
        gone();
      })().catch(gone);
    },
  };
}

/** Bytes asked for per read of stdin (a pipe holds 64 KiB). */
const READ_SIZE = 64 * 1024;

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += await w.write(bytes.subarray(at));
}
