/**
 * The reference durable backend: the store contract kept in Maps. It outlives the broker that
 * writes to it (hand the same instance to the next one), so in-process restarts and the
 * conformance suite run without a file.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Message } from "../message.ts";
import type {
  Batch,
  DurableStore,
  StoredDelivery,
  StoredSession,
  StoredState,
  StoredWill,
} from "./durable_store.ts";

/**
 * Stored state in memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyBatch } from "./durable_store.ts";
 * import { MemoryDurableStore } from "./memory_durable_store.ts";
 * const store = new MemoryDurableStore();
 * store.commit({ ...emptyBatch(), sessions: [{ clientId: "c", expiryInterval: 9, subscriptions: [], expiresAt: null }] });
 * assert.equal(store.load().sessions.length, 1);
 * ```
 */
export class MemoryDurableStore implements DurableStore {
  readonly name = "memory";
  #sessions = new Map<string, StoredSession>();
  #deliveries = new Map<number, StoredDelivery>();
  #inbound = new Map<string, { clientId: string; packetId: number }>();
  #retained = new Map<string, Message>();
  #wills = new Map<string, StoredWill>();

  load(): StoredState {
    const state: StoredState = structuredClone({
      sessions: [...this.#sessions.values()],
      deliveries: [...this.#deliveries.values()].sort((a, b) => a.seq - b.seq),
      inbound: [...this.#inbound.values()],
      retained: [...this.#retained.values()],
      wills: [...this.#wills.values()],
    });
    for (const d of state.deliveries) revive(d.msg);
    for (const m of state.retained) revive(m);
    for (const w of state.wills) revive(w.msg);
    return state;
  }

  commit(batch: Batch): void {
    const b = structuredClone(batch);
    for (const id of b.deletedSessions) {
      this.#sessions.delete(id);
      this.#wills.delete(id);
      for (const [key, row] of this.#inbound) if (row.clientId === id) this.#inbound.delete(key);
    }
    for (const s of b.sessions) this.#sessions.set(s.clientId, s);
    for (const seq of b.deletes) this.#deliveries.delete(seq);
    for (const d of b.inserts) this.#deliveries.set(d.seq, d);
    for (const u of b.updates) {
      const row = this.#deliveries.get(u.seq);
      if (row) Object.assign(row, { packetId: u.packetId, state: u.state });
    }
    for (const { clientId, packetId, held } of b.inbound) {
      const key = `${packetId}\u0000${clientId}`;
      if (held) this.#inbound.set(key, { clientId, packetId });
      else this.#inbound.delete(key);
    }
    for (const { topic, msg } of b.retained) {
      if (msg) this.#retained.set(topic, msg);
      else this.#retained.delete(topic);
    }
    for (const { clientId, will } of b.wills) {
      if (will) this.#wills.set(clientId, will);
      else this.#wills.delete(clientId);
    }
  }

  close(): void {}
}

/** structuredClone turns Buffers into Uint8Arrays: make them Buffers again. */
function revive(msg: Message): void {
  const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  msg.payload = asBuffer(msg.payload);
  const cd = msg.properties.correlationData;
  if (cd) msg.properties.correlationData = asBuffer(cd);
}
