import assert from "node:assert/strict";
import { Broker } from "../broker/broker.ts";
import { FakeClock } from "../lib/fake_clock.ts";
import { statsOf } from "./admin/broker_api.ts";
import { parseConfig } from "./config/mod.ts";
import { readOnlyBroker } from "./read_only_broker.ts";

function fakeBroker(): { broker: Broker; clock: FakeClock } {
  const clock = new FakeClock();
  return { broker: new Broker(parseConfig("", "test.yaml"), { clock }), clock };
}

Deno.test("readOnlyBroker() reads uptime on the broker's clock", async () => {
  const { broker, clock } = fakeBroker();
  const view = readOnlyBroker(broker);
  assert.equal(view.stats().uptime, 0);
  clock.advance(61_500);
  assert.equal(view.stats().uptime, 61);
  assert.equal(view.now(), broker.startedAt + 61_500);
  await broker.close();
});

Deno.test("readOnlyBroker() stats() and counters() are copies, never the live counters", async () => {
  const { broker } = fakeBroker();
  const view = readOnlyBroker(broker);
  const counters = view.counters();
  counters.messagesReceived = 99;
  assert.equal(broker.stats.messagesReceived, 0);
  broker.stats.messagesReceived = 3;
  assert.equal(view.stats().messagesReceived, 3);
  assert.equal(view.counters().messagesReceived, 3);
  await broker.close();
});

Deno.test("statsOf() derives the /api/v1/stats body from the view's figures", async () => {
  const { broker, clock } = fakeBroker();
  const view = readOnlyBroker(broker);
  clock.advance(2_000);
  const body = statsOf(view);
  assert.deepEqual(Object.keys(body), [
    ...Object.keys(broker.stats),
    "clients",
    "sessions",
    "subscriptions",
    "retained",
    "uptimeMs",
    "at",
  ]);
  assert.equal(body.uptimeMs, 2_000);
  assert.equal(body.at, view.now());
  assert.equal(body.clients, view.stats().clientsConnected);
  await broker.close();
});
