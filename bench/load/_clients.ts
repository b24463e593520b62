/**
 * Clients of the load generator: CONNECT, SUBSCRIBE with a tracker that counts what arrives and
 * PUBACKs QoS 1 deliveries in one write per read, and a bounded pool for opening many at once.
 *
 * @module
 */
import { encodeConnect, encodeSubscribe, type MqttVersion, writePuback } from "./codec.ts";
import { MqttConn, packetType } from "./conn.ts";
import type { Tracker } from "./tracker.ts";

const HANDSHAKE_MS = 10_000;

/** Where and how to connect. */
export interface ClientPlan {
  host: string;
  port: number;
  version: MqttVersion;
  /** Payload bytes per message: the tracked header sits at the payload's start. */
  payloadSize: number;
  /** Subscribers connect with Clean Session 0 (MQTT 3.1.1): persistent sessions. */
  persistentSubscribers?: boolean;
}

/** A subscriber's connection and its tracker. */
export interface Subscriber {
  conn: MqttConn;
  tracker: Tracker;
}

/** Opens a connection and completes CONNECT / CONNACK as `id`. */
export async function connect(plan: ClientPlan, id: string, clean = true): Promise<MqttConn> {
  const conn = await MqttConn.open(plan.host, plan.port);
  try {
    const connack = conn.expect("CONNACK", 2, HANDSHAKE_MS);
    conn.write(encodeConnect(id, plan.version, 600, undefined, clean));
    const code = (await connack)[1];
    if (code !== 0) throw new Error(`Broker refused client ${id} with CONNACK code ${code}`);
    return conn;
  } catch (err) {
    conn.close();
    throw err;
  }
}

/** Connects `id`, subscribes to `filter` at `qos` and records every PUBLISH in `tracker`. */
export async function subscriber(
  plan: ClientPlan,
  id: string,
  filter: string,
  qos: 0 | 1,
  tracker: Tracker,
): Promise<Subscriber> {
  const conn = await connect(plan, id, !plan.persistentSubscribers);
  try {
    await subscribeOn(conn, plan, filter, qos, tracker);
  } catch (err) {
    conn.close();
    throw err;
  }
  return { conn, tracker };
}

/**
 * Subscribes `conn` to `filter` and records every PUBLISH in `tracker` from now on (those that
 * follow the SUBACK in the same read included); resolves once the SUBACK granted it.
 */
export function subscribeOn(
  conn: MqttConn,
  plan: ClientPlan,
  filter: string,
  qos: 0 | 1,
  tracker: Tracker,
): Promise<void> {
  const size = plan.payloadSize;
  let acks = new Uint8Array(4096);
  let ackAt = 0;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const timer = setTimeout(() => reject(new Error("Timed out waiting for SUBACK")), HANDSHAKE_MS);
  conn.onPacket = (first, buf, start, end) => {
    const type = packetType(first);
    if (type === 9) {
      clearTimeout(timer);
      const granted = end > start ? buf[end - 1] : 0x80;
      if (granted < 0x80) resolve();
      else {reject(
          new Error(`Broker refused the subscription to ${filter} (0x${granted.toString(16)})`),
        );}
    }
    if (type !== 3) return;
    tracker.record(buf, end - size);
    if ((first & 0x06) === 0) return;
    const pidAt = start + 2 + (buf[start] << 8 | buf[start + 1]);
    if (ackAt + 4 > acks.length) {
      const bigger = new Uint8Array(acks.length * 2);
      bigger.set(acks);
      acks = bigger;
    }
    ackAt = writePuback(acks, ackAt, buf[pidAt] << 8 | buf[pidAt + 1]);
  };
  conn.onReadEnd = () => {
    if (ackAt === 0) return;
    conn.write(acks.slice(0, ackAt));
    ackAt = 0;
  };
  conn.closed.then(() => {
    clearTimeout(timer);
    reject(new Error(`Connection closed while subscribing to ${filter}`));
  });
  conn.write(encodeSubscribe(1, filter, qos, plan.version));
  return promise;
}

/**
 * Runs `open(i)` for i in [0, count) with at most `concurrency` at once; if one fails, `close`s
 * the ones opened and rethrows.
 */
export async function pooled<T>(
  count: number,
  concurrency: number,
  open: (i: number) => Promise<T>,
  close: (x: T) => void,
): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < count && failure === null) {
      const i = next++;
      try {
        out[i] = await open(i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failure !== null) {
    for (const x of out) if (x !== undefined) close(x);
    throw failure;
  }
  return out;
}
