/**
 * The fuzz loop: each input on a fresh connection, then the probe (PINGREQ: answered or closed
 * within the deadline), then our close (the broker must release the connection), then the
 * oracle; a healthy client every N inputs; failures written to the corpus.
 *
 * @module
 */
import { formatCorpusFile, toHex } from "./corpus.ts";
import { frameStream } from "./frames.ts";
import { type FuzzInput, makeInput } from "./input.ts";
import { header } from "./mutate.ts";
import { checkServed } from "./health.ts";
import { basicOutput, type Observed, type Problem, thrown } from "./oracle.ts";
import { clientMaxPacketSize, strictProblems } from "./spec.ts";
import type { Target } from "./target.ts";

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

/** One failing input. */
export interface Failure extends Problem {
  index: number;
  input: FuzzInput;
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

/** Runs one input on a fresh connection and returns what the oracle found. */
export async function runInput(
  target: Target,
  input: FuzzInput,
  opts: { strict?: boolean; deadlineMs?: number; observe?: (o: Observed) => void } = {},
): Promise<Problem[]> {
  const ms = opts.deadlineMs ?? 2000;
  const wire = await target.open();
  for (const chunk of input.chunks) if (!await wire.write(chunk)) break;
  const chunks = [...input.chunks];
  let framed = frameStream(chunks);
  if (framed.headerCut && !wire.closed) {
    // The broker cannot judge a cut header: complete it first.
    chunks.push(new Uint8Array(1));
    await wire.write(chunks.at(-1)!);
    framed = frameStream(chunks);
  }
  const problems: Problem[] = [];
  const config = target.broker.config.mqtt;
  const o: Observed = {
    framed,
    wire,
    probed: false,
    answered: false,
    topicAliasMaximum: config.topic_alias_maximum,
  };
  const sum = (list: Uint8Array[]) => list.reduce((n, p) => n + p.length, 0);
  const partial = sum(chunks) - sum(framed.packets);
  const tooLarge = framed.padding > 0 && partial + framed.padding > config.max_packet_size;
  if (framed.invalid || tooLarge) {
    if (!await wire.until(() => false, ms)) {
      problems.push({
        kind: "hang",
        detail: `not closed ${ms} ms after an ${
          framed.invalid ? "invalid Remaining Length" : "oversized packet"
        }`,
      });
    }
  } else if (!wire.closed && (clientMaxPacketSize(framed.packets[0]) ?? 2) < 2) {
    // The client's Maximum Packet Size leaves no room for a PINGRESP (MQTT-3.1.2-25): no probe.
  } else if (!wire.closed) {
    if (framed.padding > 0) {
      const pad = new Uint8Array(framed.padding);
      await wire.write(pad);
      o.framed = framed = frameStream([...chunks, pad]);
    }
    // Every PINGREQ the input holds (a non-minimal Remaining Length included) is answered too.
    const want = framed.packets.filter((p) => p[0] === 0xc0 && p.length === header(p)?.start)
      .length + 1;
    o.probed = await wire.write(PINGREQ);
    const settled = await wire.until(() => wire.count(13) >= want, ms);
    o.answered = wire.count(13) >= want;
    if (!settled) {
      problems.push({
        kind: "hang",
        detail: `neither PINGRESP nor close ${ms} ms after the input`,
      });
    }
  } // deno-fmt-ignore
  wire.close();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const released = await Promise.race([
    wire.done.then(() => true),
    new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms)),
  ]);
  clearTimeout(timer);
  if (!released) {
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

/** A failure class: the kind and detail with numbers and hex blanked out. */
export function classOf(p: Problem): string {
  return `${p.kind}: ${p.detail.replace(/0x[0-9a-f]+|\d+/gi, "N")}`;
}

/** Runs `opts.inputs` inputs seeded with `opts.seed` against `target`. */
export async function fuzz(target: Target, opts: FuzzOptions): Promise<Report> {
  const print = opts.print ?? (() => {});
  const failures: Failure[] = [];
  const classes = new Map<string, number>();
  const rssStart = Deno.memoryUsage().rss;
  const started = performance.now();
  let next = 0, done = 0, hangs = 0, healthChecks = 0, lastPrint = started;
  let uncaught: string[] = [];
  const onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    uncaught.push(`unhandled rejection: ${e.reason?.stack ?? e.reason}`);
  };
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    uncaught.push(`uncaught error: ${e.error?.stack ?? e.message}`);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  const record = async (index: number, input: FuzzInput, problems: Problem[]) => {
    for (const p of problems) {
      if (p.kind === "hang") hangs++;
      const cls = classOf(p);
      const seen = classes.get(cls) ?? 0;
      classes.set(cls, seen + 1);
      failures.push({ ...p, index, input });
      if (seen > 0) continue;
      print(
        `FAIL seed=${opts.seed} index=${index} (${input.note}) ${p.kind}: ${p.detail}\n  input: ${
          input.chunks.map(toHex).join(" ")
        }`,
      );
      if (opts.corpus) {
        const dir = p.kind === "spec" ? `${opts.corpus}/strict` : opts.corpus;
        await Deno.mkdir(dir, { recursive: true });
        const text = formatCorpusFile(input, [
          `seed=${opts.seed} index=${index} ${input.note}`,
          `${p.kind}: ${p.detail}`,
        ]);
        await Deno.writeTextFile(`${dir}/${p.kind}-s${opts.seed}-i${index}.hex`, text);
      }
    }
  }; // deno-fmt-ignore
  const lane = async () => {
    for (let i = next++; i < opts.inputs; i = next++) {
      const input = makeInput(opts.seed, i);
      const problems = await runInput(target, input, opts);
      if (uncaught.length) problems.push(...uncaught.map((detail) => ({ kind: "throw" as const, detail })));
      uncaught = [];
      await record(i, input, problems);
      done++;
      // Over the memory transport everything is a promise: without a macrotask turn now and then
      // the broker's timers (session expiry, wills, keep alive) would never run during a run.
      if (i % 64 === 0) await new Promise((r) => setTimeout(r, 0));
      if ((i + 1) % (opts.healthEvery ?? 500) === 0) {
        healthChecks++;
        const why = await checkServed(target, healthChecks, opts.deadlineMs ?? 2000);
        if (why) await record(i, input, [{ kind: "unserved", detail: `healthy client not served after this input: ${why}` }]);
      }
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        const s = (lastPrint - started) / 1000;
        print(`${done} inputs, ${(done / s).toFixed(0)}/s, ${failures.length} failures, ${hangs} hangs, rss ${mib(Deno.memoryUsage().rss)}`);
      }
    }
  }; // deno-fmt-ignore
  try {
    await Promise.all(Array.from({ length: opts.lanes ?? 8 }, lane));
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    inputs: done,
    seconds,
    perSecond: done / seconds,
    failures,
    classes,
    hangs,
    healthChecks,
    rssStart,
    rssEnd: Deno.memoryUsage().rss,
    sessions: [...target.broker.sessions.all()].length,
  };
}

/** Bytes as MiB text. */
export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
