/**
 * The durable store conformance suite: one abstract suite, run against every backend (memory,
 * SQLite; a cluster backend later). Each test writes through a {@linkcode BatchingJournal} or
 * straight batches, reopens the store, and reads everything back.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Message, SubscriptionOptions } from "../../broker/message.ts";
import { BatchingJournal } from "../../broker/session/batching_journal.ts";
import { type DurableStore, emptyBatch } from "../../broker/session/durable_store.ts";
import type { JournaledSession, JournalEntry } from "../../broker/session/journal.ts";

/** A backend under test: a fresh store, and the same data opened again (a restart). */
export interface Backend {
  open(): DurableStore;
  reopen(): DurableStore;
  cleanup(): void | Promise<void>;
}

const SUB: SubscriptionOptions = {
  qos: 2,
  noLocal: true,
  retainAsPublished: false,
  retainHandling: 1,
  subscriptionId: 7,
};

function message(topic: string, extra: Partial<Message> = {}): Message {
  return {
    topic,
    payload: Buffer.from(`payload of ${topic}`),
    qos: 1,
    retain: false,
    properties: {},
    ...extra,
  };
}

function session(clientId: string, expiryInterval = 60): JournaledSession & {
  queue: JournalEntry[];
  inflight: Map<number, JournalEntry>;
  subscriptions: Map<string, SubscriptionOptions>;
} {
  return { clientId, expiryInterval, subscriptions: new Map(), queue: [], inflight: new Map() };
}

/** A journal over `store` that commits only when the test says so. */
function manual(store: DurableStore): BatchingJournal {
  return new BatchingJournal(store, { schedule: () => {} });
}

/** Registers the conformance tests for `name`. */
export function storeConformance(name: string, make: () => Backend): void {
  const test = (title: string, fn: (b: Backend) => void | Promise<void>) =>
    Deno.test(`${name} store: ${title}`, async () => {
      const backend = make();
      try {
        await fn(backend);
      } finally {
        await backend.cleanup();
      }
    });

  test("sessions come back with expiry, subscriptions (all options) and deadline", (b) => {
    const journal = manual(b.open());
    const s = session("c1", 3600);
    s.subscriptions.set("a/+/c", SUB).set("$share/g/x", { ...SUB, noLocal: false });
    journal.saveSession(s, 1_700_000_000_000);
    journal.saveSession(session("c2", 0xffffffff), null);
    journal.close();
    const back = b.reopen().load().sessions.sort((x, y) => x.clientId.localeCompare(y.clientId));
    assert.deepEqual(back, [
      {
        clientId: "c1",
        expiryInterval: 3600,
        subscriptions: [...s.subscriptions],
        expiresAt: 1_700_000_000_000,
      },
      { clientId: "c2", expiryInterval: 0xffffffff, subscriptions: [], expiresAt: null },
    ]);
  });

  test("messages keep order, fields, properties and in-flight state", (b) => {
    const journal = manual(b.open());
    const s = session("c1");
    const full = message("t/1", {
      qos: 2,
      retain: true,
      expiresAt: 1_900_000_000_000,
      from: { clientId: "pub", username: "u" },
      properties: {
        contentType: "text/plain",
        correlationData: Buffer.from([0, 1, 255]),
        userProperties: { a: "1", b: ["x", "y"] },
        payloadFormatIndicator: true,
        responseTopic: "r",
      },
    });
    const entries: JournalEntry[] = [
      { msg: full, qos: 2, retain: true, subscriptionIds: [3, 9] },
      { msg: message("t/2", { payload: Buffer.alloc(0) }), qos: 1, retain: false },
      { msg: message("t/3"), qos: 1, retain: false },
    ];
    for (const e of entries) journal.queued(s, e);
    journal.flush();
    const inflight: JournalEntry = { ...entries[0], packetId: 42, state: "publish" };
    journal.sent(s, inflight);
    journal.flush();
    inflight.state = "pubrel";
    journal.sent(s, inflight);
    journal.removed(s, entries[1]);
    journal.close();
    const rows = b.reopen().load().deliveries;
    assert.deepEqual(rows.map((r) => r.msg.topic), ["t/1", "t/3"]);
    assert.ok(rows[0].seq < rows[1].seq);
    assert.equal(rows[0].state, "pubrel");
    assert.equal(rows[0].packetId, 42);
    assert.deepEqual(rows[0].subscriptionIds, [3, 9]);
    assert.equal(rows[0].qos, 2);
    assert.equal(rows[0].retain, true);
    assert.deepEqual(rows[0].msg.properties.correlationData, Buffer.from([0, 1, 255]));
    assert.ok(Buffer.isBuffer(rows[0].msg.payload));
    const { payload: _p, properties: { correlationData: _c, ...props }, ...rest } = rows[0].msg;
    const { payload: _p2, properties: { correlationData: _c2, ...wantProps }, ...want } = full;
    assert.deepEqual(rest, want);
    assert.deepEqual(props, wantProps);
    assert.equal(rows[1].state, "queued");
    assert.equal(rows[1].packetId, undefined);
  });

  test("a message queued and acknowledged within one batch is never written", (b) => {
    const store = b.open();
    let commits = 0;
    const counting: DurableStore = {
      name: store.name,
      load: () => store.load(),
      commit: (batch) => {
        commits++;
        assert.equal(batch.inserts.length, 0);
        assert.equal(batch.deletes.length, 0);
        store.commit(batch);
      },
      close: () => store.close(),
    };
    const journal = manual(counting);
    const s = session("c1");
    const entry: JournalEntry = { msg: message("t"), qos: 1, retain: false };
    journal.queued(s, entry);
    journal.sent(s, { ...entry, packetId: 1, state: "publish" });
    journal.removed(s, { ...entry, packetId: 1, state: "publish" });
    journal.flush();
    journal.close();
    assert.equal(commits, 1);
    assert.equal(b.reopen().load().deliveries.length, 0);
  });

  test("acknowledgements wait for the commit that holds what they acknowledge", (b) => {
    const journal = manual(b.open());
    const order: string[] = [];
    journal.afterCommit(() => order.push("nothing pending: at once"));
    journal.queued(session("c1"), { msg: message("t"), qos: 1, retain: false });
    journal.afterCommit(() => order.push("puback 1"));
    journal.afterCommit(() => order.push("puback 2"));
    assert.deepEqual(order, ["nothing pending: at once"]);
    journal.flush();
    assert.deepEqual(order, ["nothing pending: at once", "puback 1", "puback 2"]);
    journal.close();
    assert.equal(b.reopen().load().deliveries.length, 1);
  });

  test("inbound QoS 2 ids, retained messages and wills; a deleted session takes its own", (b) => {
    const journal = manual(b.open());
    const s1 = session("c1"), s2 = session("c2");
    journal.saveSession(s1);
    journal.saveSession(s2);
    journal.inbound(s1, 5, true);
    journal.inbound(s1, 6, true);
    journal.inbound(s2, 5, true);
    journal.retain("r/1", message("r/1", { retain: true }));
    journal.retain("r/2", message("r/2", { retain: true }));
    journal.will("c1", { msg: message("will/1"), at: 123, expirySeconds: 9 });
    journal.will("c2", { msg: message("will/2"), at: 456 });
    const queued: JournalEntry = { msg: message("q"), qos: 1, retain: false };
    journal.queued(s2, queued);
    s2.queue.push(queued);
    journal.flush();
    journal.inbound(s1, 6, false);
    journal.retain("r/2", null);
    journal.deleteSession(s2);
    journal.close();
    const state = b.reopen().load();
    assert.deepEqual(state.sessions.map((s) => s.clientId), ["c1"]);
    assert.deepEqual(state.inbound, [{ clientId: "c1", packetId: 5 }]);
    assert.deepEqual(state.retained.map((m) => m.topic), ["r/1"]);
    assert.deepEqual(state.wills.map((w) => [w.clientId, w.at, w.expirySeconds]), [["c1", 123, 9]]);
    assert.equal(state.deliveries.length, 0);
  });

  test("a session whose expiry becomes 0 is deleted; expiry 0 sessions are never written", (b) => {
    const journal = manual(b.open());
    const s = session("c1");
    journal.saveSession(s);
    journal.saveSession(session("clean", 0));
    journal.flush();
    s.expiryInterval = 0;
    journal.saveSession(s);
    journal.close();
    assert.deepEqual(b.reopen().load().sessions, []);
  });

  test("a batch applies atomically: deletes before upserts of the same client", (b) => {
    const store = b.open();
    const batch = emptyBatch();
    batch.sessions.push({ clientId: "c", expiryInterval: 1, subscriptions: [], expiresAt: null });
    store.commit(batch);
    store.commit({
      ...emptyBatch(),
      deletedSessions: ["c"],
      sessions: [{ clientId: "c", expiryInterval: 2, subscriptions: [], expiresAt: null }],
    });
    store.close();
    assert.equal(b.reopen().load().sessions[0].expiryInterval, 2);
  });

  test("a fan-out of 101 deliveries of one message; scattered acknowledgements remove exactly theirs", (b) => {
    const store = b.open();
    const msg = message("fan/out", { properties: { contentType: "text/plain" } });
    const batch = emptyBatch();
    for (let seq = 1; seq <= 101; seq++) {
      batch.inserts.push({ seq, clientId: `s${seq}`, msg, qos: 1, retain: false, state: "queued" });
    }
    store.commit(batch);
    const acked = [1, 2, 3, 5, 33, 32, 34, 64, 65, 100, 101, 7, 7];
    store.commit({ ...emptyBatch(), deletes: acked });
    store.close();
    const rows = b.reopen().load().deliveries;
    const left = rows.map((d) => d.seq);
    const expected = [...Array(101).keys()].map((i) => i + 1).filter((s) => !acked.includes(s));
    assert.deepEqual(left, expected);
    assert.ok(rows.every((d) => d.clientId === `s${d.seq}` && d.msg.topic === "fan/out"));
    assert.equal(rows[50].msg.properties.contentType, "text/plain");
    assert.equal(rows[50].msg.payload.toString(), "payload of fan/out");
  });
}
