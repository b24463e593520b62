/**
 * Who is in the cluster: each node writes a small record to the `<prefix>_nodes` bucket every
 * few seconds; the bucket forgets records older than {@linkcode NODE_TTL_MS}, so a node that
 * stopped or lost NATS drops out of the list by itself.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";
import type { Broker } from "../../broker/broker.ts";

/** How long a node stays listed after its last heartbeat. */
export const NODE_TTL_MS = 15_000;
/** How often a node writes its record. */
export const HEARTBEAT_MS = 5_000;

/** One node as `/api/v1/cluster` lists it. */
export interface NodeRecord {
  /** The node's configured (or derived) name. */
  node: string;
  /** When this instance started (ms since the epoch). */
  startedAt: number;
  /** When it last wrote this record (ms since the epoch). */
  seenAt: number;
  /** Connected MQTT clients. */
  clients: number;
  /** Load: messages received from publishers per second, since the previous heartbeat. */
  receivedPerSec: number;
  /** Load: messages sent to subscribers per second, since the previous heartbeat. */
  sentPerSec: number;
}

/** This node's heartbeat in the bucket, and the list of every node. */
export class NodeRegistry {
  #kv: KV;
  #self: () => NodeRecord;
  #timer?: ReturnType<typeof setInterval>;

  /**
   * @param kv the `<prefix>_nodes` bucket
   * @param self this node's record, as of now
   */
  constructor(kv: KV, self: () => NodeRecord) {
    this.#kv = kv;
    this.#self = self;
  }

  /** Writes this node's record now and every {@linkcode HEARTBEAT_MS}. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => this.beat().catch(() => {}), HEARTBEAT_MS);
  }

  /** Writes this node's record once. */
  async beat(): Promise<void> {
    const record = this.#self();
    await this.#kv.put(record.node, JSON.stringify(record));
  }

  /** Every node heard from within {@linkcode NODE_TTL_MS}, by name. */
  async list(): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    for await (const key of await this.#kv.keys()) {
      const entry = await this.#kv.get(key);
      if (entry?.operation === "PUT") out.push(entry.json<NodeRecord>());
    }
    return out.sort((a, b) => a.node.localeCompare(b.node));
  }

  /** Stops the heartbeat and removes this node's record. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#kv.delete(this.#self().node).catch(() => {});
  }
}

/** This node's record as of now: its clients and its message rates since the last call. */
export function loadMeter(broker: Broker, node: string): () => NodeRecord {
  const startedAt = Date.now();
  let last = { at: startedAt, received: 0, sent: 0 };
  return () => {
    const at = Date.now();
    const { messagesReceived: received, messagesSent: sent } = broker.stats;
    const secs = Math.max(at - last.at, 1) / 1000;
    const rate = (n: number) => Math.round(n / secs * 10) / 10;
    const record = {
      node,
      startedAt,
      seenAt: at,
      clients: broker.clients.size,
      receivedPerSec: rate(received - last.received),
      sentPerSec: rate(sent - last.sent),
    };
    last = { at, received, sent };
    return record;
  };
}
