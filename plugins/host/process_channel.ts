/**
 * The channel of a plugin process: rpc.ts batches as frames.ts frames, host → plugin on stdin,
 * plugin → host on stdout. Taking it points `Deno.stdout` at stderr, so that a plugin printing
 * cannot corrupt the pipe by accident; one that writes to file descriptor 1 on purpose only breaks
 * its own channel, and the host restarts it.
 *
 * @module
 */

import { encodeFrame, FrameReader, FrameWriter } from "./frames.ts";
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
  const out = Deno.stdout.writable.getWriter();
  const input = Deno.stdin.readable;
  Object.defineProperty(Deno, "stdout", { value: Deno.stderr });
  const gone = () => Deno.exit(0);
  const frames = new FrameWriter((bytes) => out.write(bytes).catch(gone));
  return {
    port: { postMessage: (batch) => frames.push(encodeFrame(batch)) },
    listen(receive) {
      (async () => {
        const reader = new FrameReader(Number.MAX_SAFE_INTEGER); // the host is trusted
        for await (const chunk of input) for (const batch of reader.push(chunk)) receive(batch);
        gone();
      })().catch(gone);
    },
  };
}
