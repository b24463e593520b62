/**
 * Throughput and latency load: subscribers first, then publishers sending as fast as the broker
 * takes them (QoS 0: TCP back pressure; QoS 1: a window of unacknowledged PUBLISHes) or paced.
 *
 * @module
 */
import {
  encodeConnect,
  encodeDisconnect,
  encodeSubscribe,
  nowMs,
  PublishTemplate,
  writePuback,
} from "./codec.ts";
import { MqttConn, packetType } from "./conn.ts";
import { cpuTimeMs, ProcessSampler } from "./procstat.ts";
import type { FlowResult, FlowSpec } from "./spec.ts";
import { summarizeLatency, Tracker } from "./tracker.ts";

const HANDSHAKE_MS = 10_000;
const QOS0_BATCH = 256;

/** Runs one flow and returns its result. */
export async function runFlow(spec: FlowSpec): Promise<FlowResult> {
  const topic = `bench/${spec.runId}`;
  const subs = await Promise.all(
    Array.from({ length: spec.subscribers }, (_, i) => subscriber(spec, topic, i)),
  );
  const pubs = await Promise.all(
    Array.from({ length: spec.publishers }, (_, i) => connect(spec, `${spec.runId}-p${i}`)),
  );
  const broker = spec.brokerPid === null ? null : new ProcessSampler(spec.brokerPid);
  const selfCpu = cpuTimeMs("self");
  const expected = spec.messages * spec.publishers * spec.subscribers;
  const startedAt = nowMs();
  const deadline = startedAt + spec.timeoutMs;
  const received = () => subs.reduce((n, s) => n + s.tracker.unique, 0);
  const sending = Promise.all(pubs.map((conn, i) => publish(spec, conn, topic, i, deadline)));
  let sent = 0;
  let sendDoneAt = Infinity;
  sending.then((counts) => {
    sent = counts.reduce((a, b) => a + b, 0);
    sendDoneAt = nowMs();
  });
  let timedOut = false;
  while (received() < expected) {
    await new Promise((r) => setTimeout(r, 20));
    const now = nowMs();
    const lastAt = Math.max(sendDoneAt, ...subs.map((s) => s.tracker.lastAt));
    if (now > deadline) timedOut = true;
    if (timedOut || (sendDoneAt !== Infinity && now - lastAt > spec.idleMs)) break;
  }
  const finished = subs.reduce((t, s) => Math.max(t, s.tracker.lastAt), startedAt);
  const usage = broker?.stop();
  const selfEnd = cpuTimeMs("self");
  for (const c of [...pubs, ...subs.map((s) => s.conn)]) {
    try {
      c.write(encodeDisconnect());
    } catch { /* broken already */ }
  }
  await new Promise((r) => setTimeout(r, 50));
  for (const c of [...pubs, ...subs.map((s) => s.conn)]) c.close();
  const got = received();
  const elapsedMs = finished - startedAt;
  return {
    mode: "flow",
    sent,
    expected,
    received: got,
    lost: expected - got,
    duplicates: subs.reduce((n, s) => n + s.tracker.duplicates, 0),
    outOfOrder: subs.reduce((n, s) => n + s.tracker.outOfOrder, 0),
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    rate: elapsedMs > 0 ? Math.round((got * 1000) / elapsedMs) : 0,
    latencyMs: summarizeLatency(subs.map((s) => s.tracker)),
    brokerCpuMs: usage?.cpuMs ?? null,
    brokerPeakRssKb: usage?.peakRssKb ?? null,
    loadgenCpuMs: selfCpu === null || selfEnd === null ? null : selfEnd - selfCpu,
    timedOut,
  };
}

async function connect(spec: FlowSpec, id: string): Promise<MqttConn> {
  const conn = await MqttConn.open(spec.host, spec.port);
  const connack = conn.expect("CONNACK", 2, HANDSHAKE_MS);
  conn.write(encodeConnect(id, spec.version, 600));
  const code = (await connack)[1];
  if (code !== 0) throw new Error(`Broker refused client ${id} with CONNACK code ${code}`);
  return conn;
}

async function subscriber(spec: FlowSpec, topic: string, i: number) {
  const conn = await connect(spec, `${spec.runId}-s${i}`);
  const suback = conn.expect("SUBACK", 9, HANDSHAKE_MS);
  conn.write(encodeSubscribe(1, topic, spec.qos, spec.version));
  const granted = (await suback).at(-1) ?? 0x80;
  if (granted >= 0x80) throw new Error(`Broker refused the subscription of subscriber ${i}`);
  const tracker = new Tracker(spec.publishers, spec.messages);
  const size = spec.payloadSize;
  let acks = new Uint8Array(4096);
  let ackAt = 0;
  conn.onPacket = (first, buf, start, end) => {
    if (packetType(first) !== 3) return;
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
  return { conn, tracker };
}

/** Sends this publisher's messages; resolves with the number sent. */
function publish(
  spec: FlowSpec,
  conn: MqttConn,
  topic: string,
  index: number,
  deadline: number,
): Promise<number> {
  const tpl = new PublishTemplate(topic, spec.qos, spec.version, index, spec.payloadSize);
  if (spec.rate !== null) return publishPaced(spec, conn, tpl, deadline);
  if (spec.qos === 0) return publishBlast(spec, conn, tpl, deadline);
  return publishWindowed(spec, conn, tpl, deadline);
}

async function publishBlast(
  spec: FlowSpec,
  conn: MqttConn,
  tpl: PublishTemplate,
  deadline: number,
): Promise<number> {
  const batch = new Uint8Array(tpl.size * QOS0_BATCH);
  const view = new DataView(batch.buffer);
  let seq = 0;
  while (seq < spec.messages && nowMs() < deadline) {
    const n = Math.min(QOS0_BATCH, spec.messages - seq);
    const t = nowMs();
    let at = 0;
    for (let k = 0; k < n; k++) at = tpl.writeInto(batch, view, at, seq++, 0, t);
    await conn.send(batch.subarray(0, at));
  }
  return seq;
}

async function publishPaced(
  spec: FlowSpec,
  conn: MqttConn,
  tpl: PublishTemplate,
  deadline: number,
): Promise<number> {
  const rate = spec.rate ?? 1;
  const start = nowMs();
  let seq = 0;
  let pid = 0;
  while (seq < spec.messages && nowMs() < deadline) {
    const due = Math.min(spec.messages, Math.floor(((nowMs() - start) * rate) / 1000) + 1);
    if (due > seq) {
      const batch = new Uint8Array(tpl.size * (due - seq));
      const view = new DataView(batch.buffer);
      const t = nowMs();
      let at = 0;
      while (seq < due) {
        pid = pid % 65535 + 1;
        at = tpl.writeInto(batch, view, at, seq++, pid, t);
      }
      conn.write(batch);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return seq;
}

function publishWindowed(
  spec: FlowSpec,
  conn: MqttConn,
  tpl: PublishTemplate,
  deadline: number,
): Promise<number> {
  const free: number[] = Array.from({ length: spec.inflight }, (_, i) => i + 1);
  let seq = 0;
  let acked = 0;
  const pump = () => {
    const n = Math.min(free.length, spec.messages - seq);
    if (n <= 0 || nowMs() > deadline) return;
    const batch = new Uint8Array(tpl.size * n);
    const view = new DataView(batch.buffer);
    const t = nowMs();
    let at = 0;
    for (let k = 0; k < n; k++) at = tpl.writeInto(batch, view, at, seq++, free.pop()!, t);
    conn.write(batch);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<number>((resolve) => {
    conn.onPacket = (first, buf, start) => {
      if (packetType(first) !== 4) return;
      free.push(buf[start] << 8 | buf[start + 1]);
      acked++;
    };
    conn.onReadEnd = () => {
      if (acked >= spec.messages || (nowMs() > deadline && free.length === spec.inflight)) {
        resolve(seq);
      } else pump();
    };
    conn.closed.then(() => resolve(seq));
    timer = setTimeout(() => resolve(seq), Math.max(0, deadline - nowMs()));
    pump();
  }).finally(() => clearTimeout(timer));
}
