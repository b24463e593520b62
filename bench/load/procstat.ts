/**
 * CPU time and memory of a process from Linux `/proc` (the broker under test, or ourselves).
 *
 * @module
 */

/** Clock ticks per second used by `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of `pid` in milliseconds, or null if the process is gone. */
export function cpuTimeMs(pid: number | "self"): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name, which sits in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Resident set size of `pid` in KiB (VmRSS), or null if the process is gone. */
export function rssKb(pid: number | "self"): number | null {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS periodically and keeps the peak; reads CPU time at start and stop. */
export class ProcessSampler {
  peakRssKb = 0;
  readonly #pid: number | "self";
  readonly #cpuStart: number | null;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(pid: number | "self", intervalMs = 200) {
    this.#pid = pid;
    this.#cpuStart = cpuTimeMs(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  /** Stops sampling; returns CPU milliseconds used since construction and the peak RSS. */
  stop(): { cpuMs: number | null; peakRssKb: number; rssKb: number | null } {
    clearInterval(this.#timer);
    this.#sample();
    const end = cpuTimeMs(this.#pid);
    const cpuMs = end === null || this.#cpuStart === null ? null : end - this.#cpuStart;
    return { cpuMs, peakRssKb: this.peakRssKb, rssKb: rssKb(this.#pid) };
  }

  #sample(): void {
    const rss = rssKb(this.#pid);
    if (rss !== null && rss > this.peakRssKb) this.peakRssKb = rss;
  }
}
