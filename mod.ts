/**
 * Aviary embedded in an application (aMQTT style): start a broker from code, with plugins given as
 * module paths or URLs (caged like any plugin) or as plugin objects (run in the application's own
 * isolate: full trust), and plugins the application names by alias in its own `deno.json`:
 *
 * ```json
 * { "aviary": { "plugins": { "greeter": "./greeter.ts" } } }
 * ```
 *
 * `startBroker({ denoJson: "./deno.json", namespace: "aviary.plugins" })` reads that map (the
 * namespace is the dotted key, `aviary.plugins` by default; module paths resolve against the
 * `deno.json` folder). A value may also be a whole `plugins:` entry (`{source, permissions,
 * config, ...}`). Plugins given in code win over `deno.json` entries of the same alias.
 *
 * @example Start a broker with one plugin object and stop it
 * ```ts
 * import assert from "node:assert/strict";
 * import { definePlugin, startBroker } from "./mod.ts";
 *
 * const stamp = definePlugin({
 *   name: "stamp",
 *   version: "1.0.0",
 *   hooks: { "message.publish": (m) => ({ ...m, topic: `stamped/${m.topic}` }) },
 * });
 * const broker = await startBroker({
 *   config: { listeners: { tcp: { type: "tcp", bind: "127.0.0.1:0" } }, persistence: { backend: "memory" } },
 *   plugins: { stamp },
 * });
 * try {
 *   assert.equal(broker.plugins!.status()[0].state, "running");
 * } finally {
 *   await broker.close();
 * }
 * ```
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseConfig } from "./server/config/mod.ts";
import { type RunningBroker, startBroker as startServer } from "./server/server.ts";
import type { Logger } from "./lib/log.ts";
import type { Plugin } from "./plugins/sdk/mod.ts";

export * from "./plugins/sdk/mod.ts";
export type { RunningBroker } from "./server/server.ts";
export type { BrokerConfig } from "./server/config/mod.ts";

/** One plugin: a module path or URL, a `plugins:` entry, or a plugin object (in-process). */
export type EmbeddedPlugin = string | URL | Plugin | ({ source: string } & Record<string, unknown>);

/** What {@linkcode startBroker} takes. */
export interface EmbedOptions {
  /** The config, as YAML text or an object of the config file's shape; default: the defaults. */
  config?: string | Record<string, unknown>;
  /** Plugins by alias (added to `config.plugins`). */
  plugins?: Record<string, EmbeddedPlugin>;
  /** The application's `deno.json` (path or URL) whose {@linkcode EmbedOptions.namespace} names plugins. */
  denoJson?: string | URL;
  /** The dotted key of the plugin map in `deno.json`; default `aviary.plugins`. */
  namespace?: string;
  /** Where the broker logs; default: its config's `log:` on stderr. */
  log?: Logger;
}

/** Plugin objects of the running brokers, by key, for their in-process stub modules. */
const OBJECTS: Map<string, Plugin> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("aviary.embedded")
] ??= new Map()) as Map<string, Plugin>;

function isPluginObject(value: EmbeddedPlugin): value is Plugin {
  return typeof value === "object" && !(value instanceof URL) && "hooks" in value;
}

/** Reads the `namespace` map of a deno.json; module paths resolved against its folder. */
async function pluginsOf(
  denoJson: string | URL,
  namespace: string,
): Promise<Record<string, EmbeddedPlugin>> {
  const file = denoJson instanceof URL || denoJson.startsWith("file:")
    ? fileURLToPath(denoJson)
    : denoJson;
  let node: unknown = JSON.parse(await Deno.readTextFile(file));
  for (const key of namespace.split(".")) {
    node = node !== null && typeof node === "object"
      ? (node as Record<string, unknown>)[key]
      : null;
  }
  if (node === undefined || node === null) return {};
  if (typeof node !== "object" || Array.isArray(node)) {
    throw new TypeError(
      `"${namespace}" in ${file} must map aliases to plugins, got ${typeof node}`,
    );
  }
  const base = dirname(isAbsolute(file) ? file : join(Deno.cwd(), file));
  const resolve = (s: string) => s.startsWith(".") ? join(base, s) : s;
  const out: Record<string, EmbeddedPlugin> = {};
  for (const [alias, value] of Object.entries(node)) {
    if (typeof value === "string") out[alias] = resolve(value);
    else if (value && typeof value === "object" && typeof value.source === "string") {
      out[alias] = { ...value, source: resolve(value.source) };
    } else {
      throw new TypeError(`"${namespace}.${alias}" in ${file} must be a module path or an entry`);
    }
  }
  return out;
}

/**
 * A `plugins:` entry for one embedded plugin. A plugin object is reached through a one-line stub
 * module in `stubDir` that exports it from {@linkcode OBJECTS}: the host imports it in-process.
 */
async function entryOf(alias: string, plugin: EmbeddedPlugin, stubDir: () => Promise<string>) {
  if (typeof plugin === "string") return { source: plugin };
  if (plugin instanceof URL) return { source: plugin.href };
  if (!isPluginObject(plugin)) return plugin;
  const key = `${alias}-${crypto.randomUUID()}`;
  OBJECTS.set(key, plugin);
  const stub = join(await stubDir(), `${key}.js`);
  await Deno.writeTextFile(
    stub,
    `export default globalThis[Symbol.for("aviary.embedded")].get(${JSON.stringify(key)});\n`,
  );
  return {
    source: pathToFileURL(stub).href,
    isolation: "none",
    permissions: plugin.permissions ?? {},
  };
}

/**
 * Starts a broker embedded in this process; `close()` the result to stop it.
 *
 * @example Plugins named in the application's deno.json
 * ```ts ignore
 * const broker = await startBroker({ denoJson: new URL("./deno.json", import.meta.url) });
 * ```
 */
export async function startBroker(options: EmbedOptions = {}): Promise<RunningBroker> {
  const fromJson = options.denoJson
    ? await pluginsOf(options.denoJson, options.namespace ?? "aviary.plugins")
    : {};
  const raw = typeof options.config === "string"
    ? parseConfig(options.config, "embedded config") as unknown as Record<string, unknown>
    : structuredClone(options.config ?? {});
  let dir: string | undefined;
  const stubDir = async () => dir ??= await Deno.makeTempDir({ prefix: "aviary-embed-" });
  const plugins = { ...(raw.plugins as Record<string, unknown> | undefined) };
  for (const [alias, p] of Object.entries({ ...fromJson, ...options.plugins })) {
    plugins[alias] = await entryOf(alias, p, stubDir);
  }
  const config = parseConfig(JSON.stringify({ ...raw, plugins }), "embedded config");
  const running = await startServer(config, options.log ? { log: options.log } : {});
  if (dir === undefined) return running;
  const stubs = dir;
  return {
    ...running,
    close: async () => {
      await running.close();
      await Deno.remove(stubs, { recursive: true }).catch(() => {});
    },
  };
}
