/**
 * Publishers of the load generator: as fast as TCP takes them (QoS 0), within a window of
 * unacknowledged PUBLISHes (QoS 1), or paced.
 *
 * @module
 */
import { type MqttVersion, nowMs, PublishTemplate } from "./codec.ts";
import { type MqttConn, packetType } from "./conn.ts";

const QOS0_BATCH = 256;

/** The PUBLISH templates of one publisher: message `seq` uses `at(seq)`. */
export interface Templates {
  at(seq: number): PublishTemplate;
  /** The largest template's size in bytes. */
  readonly maxSize: number;
}

/** How one publisher sends. */
export interface PublishPlan {
  qos: 0 | 1;
  version: MqttVersion;
  messages: number;
  inflight: number;
  /** Messages per second; null = unpaced. */
  rate: number | null;
  payloadSize: number;
  /** Set the RETAIN flag. */
  retain?: boolean;
}

/** Templates for `topics` (message `seq` goes to `topics[seq % topics.length]`), built lazily. */
export function templates(topics: string[], plan: PublishPlan, publisher: number): Templates {
  const built: PublishTemplate[] = new Array(topics.length);
  const longest = topics.reduce((a, t) => t.length > a.length ? t : a, "");
  const make = (topic: string) =>
    new PublishTemplate(topic, plan.qos, plan.version, publisher, plan.payloadSize, plan.retain);
  return {
    at: (seq) => built[seq % topics.length] ??= make(topics[seq % topics.length]),
    // Topics here are ASCII: the longest string is the longest packet.
    maxSize: make(longest).size,
  };
}

/** Sends one publisher's messages; resolves with the number sent. */
export function publish(
  plan: PublishPlan,
  conn: MqttConn,
  tpl: Templates,
  deadline: number,
): Promise<number> {
  if (plan.rate !== null) return publishPaced(plan, conn, tpl, deadline);
  if (plan.qos === 0) return publishBlast(plan, conn, tpl, deadline);
  return publishWindowed(plan, conn, tpl, deadline);
}

async function publishBlast(
  plan: PublishPlan,
  conn: MqttConn,
  tpl: Templates,
  deadline: number,
): Promise<number> {
  const batch = new Uint8Array(tpl.maxSize * QOS0_BATCH);
  const view = new DataView(batch.buffer);
  let seq = 0;
  while (seq < plan.messages && nowMs() < deadline) {
    const n = Math.min(QOS0_BATCH, plan.messages - seq);
    const t = nowMs();
    let at = 0;
    for (let k = 0; k < n; k++, seq++) at = tpl.at(seq).writeInto(batch, view, at, seq, 0, t);
    await conn.send(batch.subarray(0, at));
  }
  return seq;
}

async function publishPaced(
  plan: PublishPlan,
  conn: MqttConn,
  tpl: Templates,
  deadline: number,
): Promise<number> {
  const rate = plan.rate ?? 1;
  const start = nowMs();
  let seq = 0;
  let pid = 0;
  while (seq < plan.messages && nowMs() < deadline) {
    const due = Math.min(plan.messages, Math.floor(((nowMs() - start) * rate) / 1000) + 1);
    if (due > seq) {
      const batch = new Uint8Array(tpl.maxSize * (due - seq));
      const view = new DataView(batch.buffer);
      const t = nowMs();
      let at = 0;
      for (; seq < due; seq++) {
        pid = pid % 65535 + 1;
        at = tpl.at(seq).writeInto(batch, view, at, seq, pid, t);
      }
      conn.write(batch.subarray(0, at));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return seq;
}

function publishWindowed(
  plan: PublishPlan,
  conn: MqttConn,
  tpl: Templates,
  deadline: number,
): Promise<number> {
  const free: number[] = Array.from({ length: plan.inflight }, (_, i) => i + 1);
  let seq = 0;
  let acked = 0;
  const pump = () => {
    const n = Math.min(free.length, plan.messages - seq);
    if (n <= 0 || nowMs() > deadline) return;
    const batch = new Uint8Array(tpl.maxSize * n);
    const view = new DataView(batch.buffer);
    const t = nowMs();
    let at = 0;
    for (let k = 0; k < n; k++, seq++) {
      at = tpl.at(seq).writeInto(batch, view, at, seq, free.pop()!, t);
    }
    conn.write(batch.subarray(0, at));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<number>((resolve) => {
    conn.onPacket = (first, buf, start) => {
      if (packetType(first) !== 4) return;
      free.push(buf[start] << 8 | buf[start + 1]);
      acked++;
    };
    conn.onReadEnd = () => {
      if (acked >= plan.messages || (nowMs() > deadline && free.length === plan.inflight)) {
        resolve(seq);
      } else pump();
    };
    conn.closed.then(() => resolve(seq));
    timer = setTimeout(() => resolve(seq), Math.max(0, deadline - nowMs()));
    pump();
  }).finally(() => clearTimeout(timer));
}
