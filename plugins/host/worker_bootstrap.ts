/**
 * Runs inside each plugin Worker: imports the plugin from code the host hands over (a `blob:` URL
 * built at run time, so every import the plugin makes is checked against the worker's own
 * permissions), then serves hook calls over rpc.ts.
 *
 * It serves the rows of {@linkcode PluginRequests} (load: import, answer the manifest; start:
 * setup + start; hook; hooks: one hook over a batch of events; configure: configChanged; health: healthCheck; stop; ping) and of
 * {@linkcode PluginMessages} (notify); towards the host it sends the messages of `HostMessages`
 * (log, fault) and calls the context methods of `ContextRequests` (protocol.ts).
 *
 * @module
 */

import { type Port, RpcPeer } from "./rpc.ts";
import { makeContext } from "./context.ts";
import { readManifest } from "./manifest.ts";
import { importErrorText, type LoadedSource } from "./loader.ts";
import type { Plugin, PluginContext } from "../sdk/plugin.ts";
import { sdkStampProblem } from "../sdk/version.ts";
import { callHook, callHooks, configure } from "./plugin_calls.ts";
import { postFrame, readPosted } from "./frames.ts";
import {
  type HostWire,
  type MessageHandlers,
  type PluginMessages,
  type PluginRequests,
  type RequestHandlers,
  serveMessages,
  serveRequests,
} from "./protocol.ts";

/** The plugin this cage runs, once loaded and started. */
interface Instance {
  alias: string;
  plugin: Plugin | null;
  ctx: PluginContext | null;
}

const RELATIVE_HINT =
  "plugins are imported from a blob: URL, so relative imports cannot resolve: " +
  "bundle the plugin into one file (deno bundle), use type-only imports of the SDK " +
  "(`import type`, erased), or import by absolute URL";

async function importSource(source: LoadedSource, preloaded: unknown): Promise<unknown> {
  if (source.kind === "trusted") return preloaded;
  if (source.kind === "npm") return await import(source.url);
  const blobUrl = URL.createObjectURL(new Blob([source.code], { type: source.mediaType }));
  try {
    return await import(blobUrl);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const first = msg.split("\n")[0];
    if (/relative import path|not a dependency.*from "blob:|cannot-be-a-base/i.test(first)) {
      throw new TypeError(`${first}; ${RELATIVE_HINT}`);
    }
    throw new TypeError(importErrorText(msg, source.url));
  } finally {
    URL.revokeObjectURL(blobUrl);
  }
}

/** How the cage talks to the host: a Worker's own port, or a process's stdin/stdout. */
export interface Channel {
  port: Port;
  /** Starts delivering incoming batches to `receive`. */
  listen(receive: (batch: unknown) => void): void;
}

/**
 * The channel of a Worker: `postMessage` / `onmessage` on the worker's global scope, one encoded
 * frame per batch (frames.ts, the same bytes as a process's pipe).
 */
export function workerChannel(): Channel {
  const scope = globalThis as unknown as {
    postMessage(m: unknown, transfer: Transferable[]): void;
    onmessage: (e: MessageEvent) => void;
  };
  return {
    port: { postMessage: (batch) => postFrame(scope, batch) },
    listen: (receive) => void (scope.onmessage = (e) => receive(readPosted(e.data, true))),
  };
}

/**
 * Removes what plugins could share or write through outside their grant: the Cache API and Web
 * Storage (both persisted per main module, i.e. shared by every plugin of the same isolation
 * mode). Console output goes to the host's log as the plugin's own lines instead of the broker's
 * (or, in a process, into the frame pipe).
 */
function hardenGlobals(log: (level: "info" | "warn", msg: string) => void): void {
  for (const name of ["caches", "localStorage", "sessionStorage"]) {
    try {
      delete (globalThis as Record<string, unknown>)[name];
    } catch { /* not present here */ }
  }
  const say = (level: "info" | "warn") => (...args: unknown[]) =>
    log(level, args.map((a) => typeof a === "string" ? a : Deno.inspect(a)).join(" "));
  Object.assign(console, {
    log: say("info"),
    info: say("info"),
    debug: say("info"),
    warn: say("warn"),
    error: say("warn"),
  });
}

/**
 * Starts serving in the current worker. `preloaded` is the module namespace of a trusted built-in
 * imported statically by the worker's root module.
 *
 * @example The root module of an untrusted plugin's worker (worker_main.ts)
 * ```ts ignore
 * import { runWorker } from "./worker_bootstrap.ts";
 * runWorker(null);
 * ```
 */
export function runWorker(preloaded: unknown, channel: Channel = workerChannel()): void {
  const it: Instance = { alias: "?", plugin: null, ctx: null };
  const host = () => peer;
  const peer = new RpcPeer<HostWire>(channel.port, {
    request: serveRequests(requestHandlers(it, preloaded, host)),
    message: serveMessages(null, messageHandlers(it, host)),
  });
  channel.listen((batch) => peer.receive(batch));
  hardenGlobals((level, msg) => peer.send("log", { level, msg: `console: ${msg}` }));
  reportUncaught(peer);
}

/** The host's requests, served for one plugin instance. */
function requestHandlers(
  it: Instance,
  preloaded: unknown,
  host: () => RpcPeer<HostWire>,
): RequestHandlers<PluginRequests> {
  return {
    ping: () => "pong",
    load: async ({ alias, source }) => {
      it.alias = alias;
      const read = readManifest(await importSource(source, preloaded));
      const sdk = sdkStampProblem(read.plugin); // definePlugin's stamp (plugins/sdk/version.ts)
      if (sdk) throw new TypeError(sdk);
      it.plugin = read.plugin;
      return read.manifest;
    },
    start: async (config) => {
      if (!it.plugin) throw new Error("start before load");
      const ctx = it.ctx = makeContext(it.alias, config, {
        call: (method, params) => host().call(method, params),
        log: (level, msg, fields) => host().send("log", { level, msg, fields }),
      });
      await it.plugin.setup?.(ctx);
      await it.plugin.start?.(ctx);
      return null;
    },
    hook: async ({ h, e }) => await callHook(it.plugin!, h, e, it.ctx!),
    hooks: ({ h, es }) => callHooks(it.plugin!, h, es, it.ctx!),
    configure: (config) => configure(it.plugin, it.ctx, config),
    health: async () =>
      it.plugin?.healthCheck && it.ctx ? await it.plugin.healthCheck(it.ctx) : null,
    stop: async () => {
      if (it.plugin && it.ctx) await it.plugin.stop?.(it.ctx);
      return null;
    },
  } satisfies RequestHandlers<PluginRequests>;
}

/** The host's one-way messages: notify hooks, whose failures go back as `fault`. */
function messageHandlers(
  it: Instance,
  host: () => RpcPeer<HostWire>,
): MessageHandlers<PluginMessages> {
  return {
    notify: ({ h, e }) => {
      if (!it.plugin || !it.ctx) return;
      const fail = (err: unknown) =>
        host().send("fault", { hook: h, message: (err as Error)?.message ?? String(err) });
      try {
        const r = callHook(it.plugin, h, e, it.ctx);
        if (r instanceof Promise) r.catch(fail);
      } catch (err) {
        fail(err);
      }
    },
  } satisfies MessageHandlers<PluginMessages>;
}

/** Errors escaping the plugin's own timers and promises: report, keep the worker alive. */
function reportUncaught(peer: RpcPeer<HostWire>): void {
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    peer.send("fault", {
      hook: null,
      message: `unhandled rejection: ${e.reason?.message ?? e.reason}`,
    });
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    peer.send("fault", { hook: null, message: `uncaught error: ${e.message}` });
  });
}
