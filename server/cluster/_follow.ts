import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";

/** How long a follower waits for a bucket's current values before it goes on without them. */
export const INITIAL_MS = 5_000;

/**
 * Watches `kv` (its current values first, then every change), handing each entry to `apply`;
 * resolves with the watch once the current values are in, or after `initialMs`. A watch that ends
 * with an error is reported to `ended`.
 */
export async function followBucket(
  kv: KV,
  apply: (entry: KvWatchEntry) => void,
  ended: (error: unknown) => void,
  initialMs = INITIAL_MS,
): Promise<QueuedIterator<KvWatchEntry>> {
  const status = await kv.status();
  const watch = await kv.watch();
  let initialized: () => void = () => {};
  const ready = new Promise<void>((resolve) => initialized = resolve);
  if (status.values === 0) initialized();
  const timer = setTimeout(initialized, initialMs);
  (async () => {
    for await (const entry of watch) {
      apply(entry);
      if (entry.delta === 0) initialized();
    }
  })().catch(ended);
  await ready;
  clearTimeout(timer);
  return watch;
}
