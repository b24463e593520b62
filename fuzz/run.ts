/**
 * The fuzz loop: each input on a fresh connection, then the probe (PINGREQ: answered or closed
 * within the deadline), then our close (the broker must release the connection), then the
 * oracle; a healthy client every N inputs; failures written to the corpus.
 *
 * @module
 */
import { frameStream } from "./frames.ts";
import { type FuzzInput, makeInput } from "./input.ts";
import { header } from "./mutate.ts";
import { checkServed } from "./health.ts";
import { basicOutput, type Observed, type Problem, thrown } from "./oracle.ts";
import { clientMaxPacketSize, strictProblems } from "./spec.ts";
import type { Target } from "./target.ts";
import type { Wire } from "./wire.ts";
import { catchUncaught, type Failure, Tally } from "./tally.ts";

export type { Failure };

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  seed: number;
  inputs: number;
  /** Add the spec's answer rules to the oracle. */
  strict?: boolean;
  /** Connections in flight at once. */
  lanes?: number;
  /** A healthy client round trip every this many inputs. */
  healthEvery?: number;
  /** How long the broker has to answer or close, in ms. */
  deadlineMs?: number;
  /** Where failing inputs are written (none when absent). */
  corpus?: string;
  /** Progress lines (every 10 s) and failure reports. */
  print?: (line: string) => void;
}

/** What a run did. */
export interface Report {
  inputs: number;
  seconds: number;
  perSecond: number;
  failures: Failure[];
  /** Distinct failure classes and how often each happened. */
  classes: Map<string, number>;
  hangs: number;
  healthChecks: number;
  rssStart: number;
  rssEnd: number;
  sessions: number;
}

const PINGREQ = new Uint8Array([0xc0, 0]);

/** Options of {@linkcode runInput}. */
export interface RunInputOptions {
  /** Add the spec's answer rules to the oracle. */
  strict?: boolean;
  /** How long the broker has to answer or close, in ms (default 2000). */
  deadlineMs?: number;
  /** Shown what the run saw, after the oracle. */
  observe?: (o: Observed) => void;
}

/** Runs one input on a fresh connection and returns what the oracle found. */
export async function runInput(
  target: Target,
  input: FuzzInput,
  opts: RunInputOptions = {},
): Promise<Problem[]> {
  const ms = opts.deadlineMs ?? 2000;
  const wire = await target.open();
  const chunks = await send(wire, input);
  const o: Observed = {
    framed: frameStream(chunks),
    wire,
    probed: false,
    answered: false,
    topicAliasMaximum: target.broker.config.mqtt.topic_alias_maximum,
  };
  const problems = await settle(o, chunks, target.broker.config.mqtt.max_packet_size, ms);
  wire.close();
  if (!await released(wire, ms)) {
    problems.push({
      kind: "hang",
      detail: `connection not released ${ms} ms after the client closed`,
    });
  }
  problems.push(...thrown(target.errors.splice(0)), ...basicOutput(o));
  if (opts.strict) problems.push(...strictProblems(o));
  opts.observe?.(o);
  return problems;
}

/**
 * Writes the input's chunks (until the broker closes) and returns every chunk sent: a header the
 * input cuts is completed with a zero byte, since the broker cannot judge it.
 */
async function send(wire: Wire, input: FuzzInput): Promise<Uint8Array[]> {
  for (const chunk of input.chunks) if (!await wire.write(chunk)) break;
  const chunks = [...input.chunks];
  if (frameStream(chunks).headerCut && !wire.closed) {
    chunks.push(new Uint8Array(1));
    await wire.write(chunks.at(-1)!);
  }
  return chunks;
}

/**
 * Waits for the broker to settle the input: a close after an invalid or oversized packet, else
 * (padding the last packet whole) a PINGRESP to the probe, or a close. Hangs are problems.
 */
async function settle(
  o: Observed,
  chunks: Uint8Array[],
  maxPacketSize: number,
  ms: number,
): Promise<Problem[]> {
  const { framed, wire } = o;
  const sum = (list: Uint8Array[]) => list.reduce((n, p) => n + p.length, 0);
  const partial = sum(chunks) - sum(framed.packets);
  const tooLarge = framed.padding > 0 && partial + framed.padding > maxPacketSize;
  if (framed.invalid || tooLarge) {
    if (await wire.until(() => false, ms)) return [];
    const what = framed.invalid ? "invalid Remaining Length" : "oversized packet";
    return [{ kind: "hang", detail: `not closed ${ms} ms after an ${what}` }];
  }
  // A client Maximum Packet Size with no room for a PINGRESP (MQTT-3.1.2-25): no probe.
  if (wire.closed || (clientMaxPacketSize(framed.packets[0]) ?? 2) < 2) return [];
  if (framed.padding > 0) {
    const pad = new Uint8Array(framed.padding);
    await wire.write(pad);
    o.framed = frameStream([...chunks, pad]);
  }
  // Every PINGREQ the input holds (a non-minimal Remaining Length included) is answered too.
  const want = o.framed.packets.filter((p) => p[0] === 0xc0 && p.length === header(p)?.start)
    .length + 1;
  o.probed = await wire.write(PINGREQ);
  const settled = await wire.until(() => wire.count(13) >= want, ms);
  o.answered = wire.count(13) >= want;
  if (settled) return [];
  return [{ kind: "hang", detail: `neither PINGRESP nor close ${ms} ms after the input` }];
}

/** Whether the broker released the connection within `ms` of our close. */
async function released(wire: Wire, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = await Promise.race([
    wire.done.then(() => true),
    new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms)),
  ]);
  clearTimeout(timer);
  return done;
}

/** Runs `opts.inputs` inputs seeded with `opts.seed` against `target`. */
export async function fuzz(target: Target, opts: FuzzOptions): Promise<Report> {
  const print = opts.print ?? (() => {});
  const tally = new Tally(opts, print);
  const rssStart = Deno.memoryUsage().rss;
  const started = performance.now();
  let next = 0, done = 0, healthChecks = 0, lastPrint = started;
  const uncaught = catchUncaught();
  const lane = async () => {
    for (let i = next++; i < opts.inputs; i = next++) {
      const input = makeInput(opts.seed, i);
      const problems = await runInput(target, input, opts);
      problems.push(...uncaught.take().map((detail) => ({ kind: "throw" as const, detail })));
      await tally.record(i, input, problems);
      done++;
      // Over the memory transport everything is a promise: without a macrotask turn now and then
      // the broker's timers (session expiry, wills, keep alive) would never run during a run.
      if (i % 64 === 0) await new Promise((r) => setTimeout(r, 0));
      if ((i + 1) % (opts.healthEvery ?? 500) === 0) {
        const why = await checkServed(target, ++healthChecks, opts.deadlineMs ?? 2000);
        if (why) {
          await tally.record(i, input, [{
            kind: "unserved",
            detail: `healthy client not served after this input: ${why}`,
          }]);
        }
      }
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        print(
          `${done} inputs, ${
            (done / ((lastPrint - started) / 1000)).toFixed(0)
          }/s, ${tally.progress()}`,
        );
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.lanes ?? 8 }, lane));
  } finally {
    uncaught.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    inputs: done,
    seconds,
    perSecond: done / seconds,
    ...tally.totals(),
    healthChecks,
    rssStart,
    rssEnd: Deno.memoryUsage().rss,
    sessions: [...target.broker.sessions.all()].length,
  };
}
