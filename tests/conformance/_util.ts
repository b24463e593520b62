/**
 * Shared set-up for the conformance suite: one broker per test, always closed.
 *
 * @module
 */
import { startTestBroker, type TestBroker } from "../helpers.ts";

/** Runs `fn` against a fresh broker configured by `yaml`, then closes the broker. */
export async function withBroker(
  yaml: string,
  fn: (broker: TestBroker) => Promise<void>,
): Promise<void> {
  const broker = await startTestBroker(yaml);
  try {
    await fn(broker);
  } finally {
    await broker.close();
  }
}

/** A client id unique within the run. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
