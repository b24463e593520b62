/**
 * Reads a plugin module's default export into a plain manifest the host can check (shared by the
 * worker bootstrap and the in-process runner).
 *
 * @module
 */

import { type HookpointName, isHookpoint } from "../sdk/hookpoints.ts";
import type { AvroSchema, Plugin } from "../sdk/plugin.ts";

/** What the host learns about a plugin before starting it; plain data. */
export interface Manifest {
  name: string;
  version: string;
  description: string;
  /** As declared; validated by the host (permissions.ts). */
  permissions: unknown;
  hooks: HookpointName[];
  config: { schema: AvroSchema | null; defaults: Record<string, unknown> };
}

/**
 * Validates a module namespace and returns its plugin and manifest. Throws a TypeError naming the
 * first problem.
 *
 * @example
 * ```ts
 * import { readManifest } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const { manifest } = readManifest({
 *   default: { name: "p", version: "1", hooks: { "client.connected": () => {} } },
 * });
 * assert.deepEqual(manifest.hooks, ["client.connected"]);
 * assert.throws(() => readManifest({ default: { name: "p", version: "1", hooks: { "x.y": () => {} } } }), {
 *   message: 'unknown hookpoint "x.y"',
 * });
 * ```
 */
export function readManifest(mod: unknown): { plugin: Plugin; manifest: Manifest } {
  const plugin = (mod as { default?: unknown } | null)?.default as Plugin | undefined;
  if (!plugin || typeof plugin !== "object") {
    throw new TypeError("module has no default export object (export default definePlugin({...}))");
  }
  for (const key of ["name", "version"] as const) {
    if (typeof plugin[key] !== "string" || plugin[key] === "") {
      throw new TypeError(`plugin ${key} must be a non-empty string`);
    }
  }
  if (!plugin.hooks || typeof plugin.hooks !== "object") {
    throw new TypeError("plugin hooks must be an object keyed by hookpoint name");
  }
  const hooks: HookpointName[] = [];
  for (const [name, fn] of Object.entries(plugin.hooks)) {
    if (!isHookpoint(name)) throw new TypeError(`unknown hookpoint "${name}"`);
    if (typeof fn !== "function") throw new TypeError(`hook "${name}" is not a function`);
    hooks.push(name);
  }
  const cfg = plugin.config as
    | { schema?: AvroSchema; defaults?: Record<string, unknown> }
    | undefined;
  return {
    plugin,
    manifest: {
      name: plugin.name,
      version: plugin.version,
      description: typeof plugin.description === "string" ? plugin.description : "",
      permissions: plugin.permissions ?? {},
      hooks,
      config: { schema: cfg?.schema ?? null, defaults: { ...cfg?.defaults } },
    },
  };
}
