/**
 * The bookkeeping of a fuzz run: failures counted by class, the first of each class reported and
 * written to the corpus; errors the broker threw outside any promise we await.
 *
 * @module
 */
import { formatCorpusFile, toHex } from "./corpus.ts";
import type { FuzzInput } from "./input.ts";
import type { Problem } from "./oracle.ts";

/** One failing input. */
export interface Failure extends Problem {
  index: number;
  input: FuzzInput;
}

/** A failure class: the kind and detail with numbers and hex blanked out. */
export function classOf(p: Problem): string {
  return `${p.kind}: ${p.detail.replace(/0x[0-9a-f]+|\d+/gi, "N")}`;
}

/** Bytes as MiB text. */
export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Failures of a run, by class; the first of each class is printed and written to the corpus. */
export class Tally {
  /** Every failure, in the order found. */
  readonly failures: Failure[] = [];
  /** How often each failure class (see {@linkcode classOf}) happened. */
  readonly classes = new Map<string, number>();
  /** Failures of kind `hang`. */
  hangs = 0;

  constructor(
    readonly opts: { seed: number; corpus?: string },
    readonly print: (line: string) => void,
  ) {}

  /** Counts the problems of input `index`; reports and keeps the first of each class. */
  async record(index: number, input: FuzzInput, problems: Problem[]): Promise<void> {
    for (const p of problems) {
      if (p.kind === "hang") this.hangs++;
      const cls = classOf(p);
      const seen = this.classes.get(cls) ?? 0;
      this.classes.set(cls, seen + 1);
      this.failures.push({ ...p, index, input });
      if (seen > 0) continue;
      const hex = input.chunks.map(toHex).join(" ");
      this.print(
        `FAIL seed=${this.opts.seed} index=${index} (${input.note}) ${p.kind}: ${p.detail}\n` +
          `  input: ${hex}`,
      );
      await this.#keep(index, input, p);
    }
  }

  /** The progress line's failure counts. */
  progress(): string {
    const rss = mib(Deno.memoryUsage().rss);
    return `${this.failures.length} failures, ${this.hangs} hangs, rss ${rss}`;
  }

  /** The figures of the report. */
  totals(): { failures: Failure[]; classes: Map<string, number>; hangs: number } {
    return { failures: this.failures, classes: this.classes, hangs: this.hangs };
  }

  /** Writes a failing input to the corpus (strict findings under `strict/`). */
  async #keep(index: number, input: FuzzInput, p: Problem): Promise<void> {
    const { corpus, seed } = this.opts;
    if (!corpus) return;
    const dir = p.kind === "spec" ? `${corpus}/strict` : corpus;
    await Deno.mkdir(dir, { recursive: true });
    const text = formatCorpusFile(input, [
      `seed=${seed} index=${index} ${input.note}`,
      `${p.kind}: ${p.detail}`,
    ]);
    await Deno.writeTextFile(`${dir}/${p.kind}-s${seed}-i${index}.hex`, text);
  }
}

/** Collects unhandled rejections and uncaught errors (as problem details) until stopped. */
export function catchUncaught(): { take(): string[]; stop(): void } {
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
  return {
    take() {
      const taken = uncaught;
      uncaught = [];
      return taken;
    },
    stop() {
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
    },
  };
}
