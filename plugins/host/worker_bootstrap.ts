/**
 * Runs inside each plugin Worker: imports the plugin from code the host hands over (a `blob:` URL
 * built at run time, so every import the plugin makes is checked against the worker's own
 * permissions), then serves hook calls over rpc.ts.
 *
 * Requests from the host: `load` (import, answer the manifest), `start` (setup + start), `hook`,
 * `configure` (configChanged), `health` (healthCheck), `stop`, `ping`. One-way: `notify`. Towards the host: `log`, `fault` (one-way), and the context
 * services (`publish`, `clients`, `retained`, `store.*`) as requests.
 *
 * @module
 */

import { type Port, RpcPeer } from "./rpc.ts";
import { makeContext } from "./context.ts";
import { readManifest } from "./manifest.ts";
import type { LoadedSource } from "./loader.ts";
import type { Plugin, PluginContext } from "../sdk/plugin.ts";

type AnyHook = (event: unknown, ctx: PluginContext) => unknown;

/** Arguments of the `load` request. */
export interface LoadArgs {
  alias: string;
  source: LoadedSource;
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
    throw new TypeError(first);
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

/** The channel of a Worker: `postMessage` / `onmessage` on the worker's global scope. */
export function workerChannel(): Channel {
  const scope = globalThis as unknown as Port & { onmessage: (e: MessageEvent) => void };
  return { port: scope, listen: (receive) => void (scope.onmessage = (e) => receive(e.data)) };
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
  let plugin: Plugin | null = null;
  let ctx: PluginContext | null = null;
  let alias = "?";

  const peer: RpcPeer = new RpcPeer(channel.port, {
    async request(method, args) {
      switch (method) {
        case "ping":
          return "pong";
        case "load": {
          const a = args as LoadArgs;
          alias = a.alias;
          const read = readManifest(await importSource(a.source, preloaded));
          plugin = read.plugin;
          return read.manifest;
        }
        case "start": {
          if (!plugin) throw new Error("start before load");
          ctx = makeContext(alias, args as Record<string, unknown>, {
            invoke: (m, x) => peer.call(m, x),
            log: (level, msg, fields) => peer.send("log", { level, msg, fields }),
          });
          await plugin.setup?.(ctx);
          await plugin.start?.(ctx);
          return null;
        }
        case "hook": {
          const { h, e } = args as { h: string; e: unknown };
          return await (plugin!.hooks[h as keyof Plugin["hooks"]] as AnyHook)(e, ctx!);
        }
        case "configure":
          return await configure(plugin, ctx, args as Record<string, unknown>);
        case "health":
          return plugin?.healthCheck && ctx ? await plugin.healthCheck(ctx) : null;
        case "stop":
          if (plugin && ctx) await plugin.stop?.(ctx);
          return null;
        default:
          throw new Error(`unknown request ${method}`);
      }
    },
    message(method, args) {
      if (method !== "notify" || !plugin || !ctx) return;
      const { h, e } = args as { h: string; e: unknown };
      const fail = (err: unknown) =>
        peer.send("fault", { hook: h, message: (err as Error)?.message ?? String(err) });
      try {
        const r = (plugin.hooks[h as keyof Plugin["hooks"]] as AnyHook)(e, ctx);
        if (r instanceof Promise) r.catch(fail);
      } catch (err) {
        fail(err);
      }
    },
  });
  channel.listen((batch) => peer.receive(batch));
  hardenGlobals((level, msg) => peer.send("log", { level, msg: `console: ${msg}` }));
  // Errors escaping the plugin's own timers and promises: report, keep the worker alive.
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

/**
 * Offers `next` to the plugin's `configChanged`: a `false` return or a throw refuses it (the
 * message reaches the operator); otherwise `ctx.config` becomes `next`. Without the hook nothing
 * changes and `applied` is false (the host restarts the plugin instead).
 *
 * @example
 * ```ts ignore
 * await configure(plugin, ctx, { prefix: "b/" }); // { applied: true }
 * ```
 */
export async function configure(
  plugin: Plugin | null,
  ctx: PluginContext | null,
  next: Record<string, unknown>,
): Promise<{ applied: boolean }> {
  if (!plugin || !ctx) throw new Error("configure before start");
  if (!plugin.configChanged) return { applied: false };
  const answer = await plugin.configChanged(ctx.config, next, ctx);
  if (answer === false) throw new Error("the plugin refused the new config");
  ctx.config = next;
  return { applied: true };
}
