/**
 * Fuzz inputs: a sequence of writes on one fresh connection, a pure function of (seed, index).
 * Scenarios mix well-formed sessions with a mutated packet, mutated CONNECTs, out-of-order
 * sequences (no CONNECT, a second CONNECT, acks and PUBRELs for unknown ids, server-only
 * packets) and raw garbage, for protocol levels 3, 4 and 5.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Packet } from "mqtt-packet";
import {
  connectPacket,
  encode,
  encodeConnect,
  packetId,
  packetOf,
  type Version,
} from "./generate.ts";
import { mutate } from "./mutate.ts";
import { Rng } from "./prng.ts";

/** One input: the chunks written, in order, on one connection. */
export interface FuzzInput {
  chunks: Uint8Array[];
  /** A short description (scenario and mutations) for reports. */
  note: string;
}

type Scenario = (rng: Rng, v: Version, notes: string[]) => Uint8Array[];

function enc(rng: Rng, v: Version, cmd?: string): Uint8Array {
  return encode(packetOf(rng, v, cmd), v) ?? new Uint8Array([0xc0, 0]);
}

function connect(rng: Rng, v: Version): Uint8Array {
  return encodeConnect(connectPacket(rng, v) as Packet & { cmd: "connect" }, v)!;
}

function mutated(rng: Rng, pkt: Uint8Array, notes: string[]): Uint8Array {
  let out = pkt;
  for (let n = rng.chance(0.8) ? 1 : 2; n > 0; n--) {
    const m = mutate(rng, out);
    notes.push(m.name);
    out = m.bytes;
  }
  return out;
}

const NON_CONNECT = [
  "publish",
  "publish",
  "subscribe",
  "unsubscribe",
  "puback",
  "pubrec",
  "pubrel",
  "pubcomp",
  "pingreq",
  "auth",
  "disconnect",
];

const SCENARIOS: [number, string, Scenario][] = [
  [45, "session", (rng, v, notes) => {
    const out = [connect(rng, v)];
    const bad = rng.chance(0.6) ? rng.int(5) : -1;
    for (let i = 0, n = rng.range(1, 5); i < n; i++) {
      const pkt = enc(
        rng,
        rng.chance(0.03) ? rng.pick([3, 4, 5] as const) : v,
        rng.pick(NON_CONNECT),
      );
      out.push(i === bad ? mutated(rng, pkt, notes) : pkt);
    }
    return out;
  }],
  [20, "connect", (rng, v, notes) => {
    const out = [mutated(rng, connect(rng, v), notes)];
    if (rng.chance(0.5)) out.push(enc(rng, v, rng.pick(NON_CONNECT)));
    return out;
  }],
  [6, "no-connect", (rng, v) => [enc(rng, v, rng.pick([...NON_CONNECT, "server"]))]],
  [
    5,
    "second-connect",
    (
      rng,
      v,
    ) => [connect(rng, v), enc(rng, v, "pingreq"), connect(rng, rng.pick([3, 4, 5] as const))],
  ],
  [10, "unknown-acks", (rng, v) => {
    const out = [connect(rng, v)];
    for (let n = rng.range(1, 4); n > 0; n--) {
      out.push(enc(rng, v, rng.pick(["puback", "pubrec", "pubrel", "pubcomp", "server"])));
    }
    return out;
  }],
  [10, "qos-flow", (rng, v, notes) => {
    const id = packetId(rng);
    const pub = (qos: number) =>
      encode(
        {
          cmd: "publish",
          topic: "fz/t",
          payload: Buffer.from(rng.bytes(3)),
          qos,
          messageId: id,
          dup: false,
          retain: false,
        } as never,
        v,
      )!;
    const rel = (cmd: string) => encode({ cmd, messageId: id } as never, v)!;
    const steps = [
      pub(2),
      rel("pubrel"),
      rel("pubrel"),
      pub(2),
      pub(1),
      rel("pubrec"),
      rel("pubcomp"),
      rel("puback"),
    ];
    const out = [
      connect(rng, v),
      encode(
        { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "fz/#", qos: 2 }] } as never,
        v,
      )!,
    ];
    for (let n = rng.range(1, 6); n > 0; n--) out.push(rng.pick(steps));
    if (rng.chance(0.3)) {
      out[rng.range(1, out.length - 1)] = mutated(rng, out[rng.range(1, out.length - 1)], notes);
    }
    return out;
  }],
  [4, "garbage", (rng) => [rng.bytes(rng.range(1, 64))]],
]; // deno-fmt-ignore
const TOTAL = SCENARIOS.reduce((n, [w]) => n + w, 0);

/** Cuts the stream into writes: one per packet, all at once, or at random byte boundaries. */
function chunked(rng: Rng, packets: Uint8Array[]): Uint8Array[] {
  const r = rng.next();
  if (r < 0.6) return packets;
  const all = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of packets) all.set(p, at), at += p.length;
  if (r < 0.85 || all.length < 2) return [all];
  const cuts = [
    ...new Set(Array.from({ length: rng.range(1, 4) }, () => rng.range(1, all.length - 1))),
  ].sort((a, b) => a - b);
  return [0, ...cuts].map((c, i, a) => all.slice(c, a[i + 1] ?? all.length));
}

/**
 * The input number `index` of a run seeded with `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeInput } from "./input.ts";
 * const a = makeInput(42, 3), b = makeInput(42, 3);
 * assert.deepEqual(a, b); // replayable
 * ```
 */
export function makeInput(seed: number, index: number): FuzzInput {
  const rng = Rng.forInput(seed, index);
  const v = rng.pick([3, 4, 4, 5, 5, 5] as const);
  let pick = rng.int(TOTAL);
  const [, name, scenario] = SCENARIOS.find(([w]) => (pick -= w) < 0)!;
  const notes: string[] = [];
  const chunks = chunked(rng, scenario(rng, v, notes));
  return { chunks, note: `v${v} ${name}${notes.length ? " " + notes.join("+") : ""}` };
}
