/**
 * `isolation: process`, the default for every plugin that is not a built-in: a child
 * `deno run` whose command-line flags are the cage.
 *
 * - Permissions: `--allow-<name>[=list]` for exactly what the plugin declared and the operator
 *   granted; nothing else (`--no-prompt`). The flags also govern the child's module loading.
 * - Memory: `--v8-flags=--max-old-space-size=<limits.memory_mb>`; a breach ends only the child,
 *   reported as `out of memory` and restarted with backoff.
 * - Network at run time: none that the grant does not cover. `--cached-only` refuses any module
 *   not resolved in advance; {@linkcode prepareDependencies} resolves a plugin's static `npm:` and
 *   remote imports when it is loaded, never when a hook runs.
 * - Crashes: an OS process; nothing it does (exit, abort, out of memory) reaches the broker.
 * - Frames from the child are read with a size limit equal to its heap limit (frames.ts).
 *
 * The broker grants a child no more than it holds itself (checked against its own permissions),
 * so `--allow-run=deno` does not widen what the operator's flags allow.
 *
 * @module
 */

import type { Cage, CageEvents, CageHandle } from "./cage.ts";
import { PluginLoadError } from "./errors.ts";
import { FrameReader, FrameWriter } from "./frames.ts";
import type { LoadedSource } from "./loader.ts";
import type { WorkerPermissions } from "./permissions.ts";
import { permissionFlags } from "./process_flags.ts";
import type { Logger } from "./runner.ts";

const BOOTSTRAP = new URL("./worker_bootstrap.ts", import.meta.url).href;
const CHANNEL = new URL("./process_channel.ts", import.meta.url).href;
const PROCESS_MAIN = new URL("./process_main.ts", import.meta.url).href;

/** Terminal colour codes, taken out of what a child prints. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Lines of a child's stderr logged per second at most (the rest are counted). */
const STDERR_LINES_PER_SECOND = 50;
/** Longest stderr line logged; longer ones are cut. */
const STDERR_LINE_MAX = 2000;

/** Settings of a process cage. */
export interface ProcessCageOptions {
  /** Heap limit of the child, in MiB. */
  memoryMb: number;
  log: Logger;
}

/**
 * The executable that runs plugin processes: this Deno when the broker runs under `deno`, else
 * (a `deno compile`d broker) the `deno` on PATH.
 */
function denoExecutable(): string {
  const self = Deno.execPath();
  if (!/(^|[\\/])deno(\.exe)?$/.test(self)) return "deno";
  const ok = Deno.permissions.querySync({ name: "run", command: self }).state === "granted";
  return ok ? self : "deno";
}

function rootModule(source: LoadedSource): string {
  if (source.kind !== "trusted") return PROCESS_MAIN;
  const code = `import { runWorker } from ${JSON.stringify(BOOTSTRAP)};\n` +
    `import { processChannel } from ${JSON.stringify(CHANNEL)};\n` +
    `import * as plugin from ${JSON.stringify(source.url)};\n` +
    `runWorker(plugin, processChannel());\n`;
  return `data:application/javascript;base64,${btoa(code)}`;
}

/**
 * Remote and npm specifiers a module imports literally (static imports, `import("…")` with a
 * literal): what `--cached-only` needs resolved before the plugin runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remoteSpecifiers } from "./process_cage.ts";
 * const code = 'import x from "npm:left-pad@1.3.0";\nconst y = await import("https://e.x/y.js");';
 * assert.deepEqual(remoteSpecifiers(code), ["npm:left-pad@1.3.0", "https://e.x/y.js"]);
 * ```
 */
export function remoteSpecifiers(code: string): string[] {
  const found = new Set<string>();
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']((?:npm|https?):[^"'\s]+)["']/g;
  for (const m of code.matchAll(re)) found.add(m[1]);
  return [...found];
}

/**
 * Resolves (downloads into Deno's cache) what a plugin process will import, so that the process
 * can run `--cached-only`. Throws PluginLoadError with Deno's own message.
 *
 * @example
 * ```ts ignore
 * await prepareDependencies("p", { kind: "npm", url: "npm:left-pad@1.3.0" });
 * ```
 */
export async function prepareDependencies(alias: string, source: LoadedSource): Promise<void> {
  const specifiers = source.kind === "npm"
    ? [source.url]
    : source.kind === "code"
    ? remoteSpecifiers(source.code)
    : [];
  if (specifiers.length === 0) return;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(denoExecutable(), {
      args: ["cache", "--no-config", "--quiet", "--", ...specifiers],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new PluginLoadError(alias, `cannot resolve dependencies: ${(err as Error).message}`);
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).replace(ANSI, "").trim();
    throw new PluginLoadError(alias, `cannot resolve dependencies: ${why.slice(0, 500)}`);
  }
}

/**
 * Opens child processes for one plugin.
 *
 * @example
 * ```ts ignore
 * const cage = new ProcessCage("acl", source, { memoryMb: 128, log });
 * const handle = cage.open(workerPermissions({}), events);
 * await handle.terminate();
 * ```
 */
export class ProcessCage implements Cage {
  readonly kind = "process";
  constructor(
    readonly alias: string,
    readonly source: LoadedSource,
    readonly opts: ProcessCageOptions,
  ) {}

  open(permissions: WorkerPermissions, events: CageEvents): CageHandle {
    const args = [
      "run",
      "--no-prompt",
      "--no-config",
      "--cached-only",
      "--quiet",
      `--v8-flags=--max-old-space-size=${this.opts.memoryMb}`,
      ...permissionFlags(this.alias, permissions),
      rootModule(this.source),
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(denoExecutable(), {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (err) {
      throw new PluginLoadError(
        this.alias,
        `cannot start a plugin process (${(err as Error).message}); ` +
          "the broker needs --allow-run=deno for isolation: process",
        { cause: err },
      );
    }
    return new ProcessHandle(this.alias, child, this.opts, events);
  }
}

class ProcessHandle implements CageHandle {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #frames: FrameWriter;
  #ending = false;
  #stderrTail = "";
  #done: Promise<void>;
  port = { postMessage: (batch: unknown) => this.#write(batch) };

  constructor(
    readonly alias: string,
    child: Deno.ChildProcess,
    readonly opts: ProcessCageOptions,
    readonly events: CageEvents,
  ) {
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#stdin.closed.catch(() => {});
    // A dead child is reported by #exited.
    this.#frames = new FrameWriter((bytes) => this.#stdin.write(bytes));
    const frames = this.#readFrames(new FrameReader(opts.memoryMb * 1024 * 1024));
    // The reason of an exit is read from all of stderr (V8 prints "out of memory" there).
    const exit = Promise.all([child.status, this.#readStderr()]).then(([s]) => this.#exited(s));
    this.#done = Promise.all([frames, exit]).then(() => {});
  }

  #write(batch: unknown): void {
    if (this.#ending) return;
    this.#frames.pushValue(batch);
  }

  async #readFrames(reader: FrameReader): Promise<void> {
    try {
      for await (const chunk of this.#child.stdout) {
        if (this.#ending) continue;
        for (const batch of reader.push(chunk)) this.events.receive(batch);
      }
    } catch (err) {
      if (this.#ending) return;
      this.events.invalid(`bad frame from the plugin process: ${(err as Error).message}`);
      this.#kill();
    }
  }

  async #readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    let windowStart = 0;
    let logged = 0;
    let dropped = 0;
    for await (const chunk of this.#child.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      this.#stderrTail = (this.#stderrTail + text).slice(-4096);
      const lines = (partial + text).split("\n");
      partial = lines.pop()!.slice(-STDERR_LINE_MAX);
      for (const line of lines) {
        const now = Date.now();
        if (now - windowStart >= 1000) {
          if (dropped > 0) {
            this.opts.log.warn("Plugin stderr lines dropped", { plugin: this.alias, dropped });
          }
          windowStart = now;
          logged = dropped = 0;
        }
        if (++logged > STDERR_LINES_PER_SECOND) {
          dropped++;
          continue;
        }
        const clean = line.replace(ANSI, "").slice(0, STDERR_LINE_MAX);
        if (clean.trim() !== "") {
          this.opts.log.warn("Plugin process stderr", { plugin: this.alias, line: clean });
        }
      }
    }
  }

  #exited(status: Deno.CommandStatus): void {
    if (this.#ending) return;
    this.#ending = true;
    const tail = this.#stderrTail.replace(ANSI, "");
    const reason = /out of memory/i.test(tail)
      ? `out of memory: heap limit of ${this.opts.memoryMb} MiB reached (limits.memory_mb)`
      : `process exited (${status.signal ? `signal ${status.signal}` : `code ${status.code}`})`;
    this.events.crash(reason);
  }

  #kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  async terminate(): Promise<void> {
    this.#ending = true;
    this.#stdin.close().catch(() => {});
    this.#kill();
    await this.#done;
  }
}
