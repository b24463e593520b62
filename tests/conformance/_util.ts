/**
 * Shared set-up for the conformance suite: one broker per test, always closed, on real or fake
 * time.
 *
 * @module
 */
import type { Broker, BrokerOptions } from "../../broker/broker.ts";
import { FakeClock } from "../../lib/fake_clock.ts";
import { startTestBroker, type TestBroker } from "../helpers.ts";

/** Runs `fn` against a fresh broker configured by `yaml`, then closes the broker. */
export async function withBroker(
  yaml: string,
  fn: (broker: TestBroker) => Promise<void>,
  opts: BrokerOptions = {},
): Promise<void> {
  const broker = await startTestBroker(yaml, opts);
  try {
    await fn(broker);
  } finally {
    await broker.close();
  }
}

/**
 * Like {@linkcode withBroker}, on fake time: the broker's timers (connect timeout, keep alive,
 * session and message expiry, will delay) run only when the test calls `clock.advance(ms)`.
 * Packets still travel over real sockets: wait for them, never for the broker's time.
 */
export function withFakeTime(
  yaml: string,
  fn: (broker: TestBroker, clock: FakeClock) => Promise<void>,
): Promise<void> {
  const clock = new FakeClock();
  return withBroker(yaml, (broker) => fn(broker, clock), { clock });
}

/** Whether `broker` holds `clientId` as a connected client (not closing). */
export function isConnected(broker: Pick<Broker, "clients">, clientId: string): boolean {
  return broker.clients.get(clientId)?.state === "connected";
}

/** A client id unique within the run. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
