/**
 * `--plugin SOURCE` and `--grant PERMISSION[=VALUES]`: plugins loaded from the command line, and
 * what the operator grants them.
 *
 * @module
 */
import { basename, extname, isAbsolute, resolve } from "node:path";
import { ConfigError } from "../server/config/mod.ts";
import type { BrokerConfig, PermissionGrant, PluginEntryConfig } from "../server/config/types.ts";
import { ENTRY_DEFAULTS } from "../plugins/host/mod.ts";
import { PERMISSION_NAMES } from "../plugins/sdk/mod.ts";

/**
 * Parses `--grant` values: `net=example.com,api.example.com:443`, `env=HOME`, or a bare `read`
 * (everything of that kind). Unknown permission names are errors. Shared by `aviary serve` and
 * `aviary plugins install`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGrants } from "./plugin_flags.ts";
 * const grant = parseGrants(["net=example.com:443", "env"]);
 * assert.deepEqual(grant, { net: ["example.com:443"], env: true });
 * ```
 */
export function parseGrants(values: string[]): Partial<PermissionGrant> {
  const grant: Partial<PermissionGrant> = {};
  for (const value of values) {
    const [key, list] = value.split(/=(.*)/s, 2);
    if (!(PERMISSION_NAMES as readonly string[]).includes(key)) {
      throw new ConfigError("(command line)", [
        {
          path: "--grant",
          message: `"${key}" is not a permission (${PERMISSION_NAMES.join(", ")})`,
        },
      ]);
    }
    const k = key as keyof PermissionGrant;
    if (list === undefined || list === "") grant[k] = true;
    else {
      const previous = Array.isArray(grant[k]) ? grant[k] as string[] : [];
      grant[k] = [...previous, ...list.split(",").filter(Boolean)];
    }
  }
  return grant;
}

/**
 * Splits `--grant` values into those for every plugin and those naming one (`ALIAS:net=...`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grantsByAlias } from "./plugin_flags.ts";
 * const { all, byAlias } = grantsByAlias(["env=TZ", "bridge:net=broker.example:8883"]);
 * assert.deepEqual([all, byAlias.get("bridge")], [["env=TZ"], ["net=broker.example:8883"]]);
 * ```
 */
export function grantsByAlias(
  values: string[],
): { all: string[]; byAlias: Map<string, string[]> } {
  const all: string[] = [];
  const byAlias = new Map<string, string[]>();
  for (const value of values) {
    const m = value.match(/^([\w-]+):([a-z]+(?:=.*)?)$/s);
    if (!m) all.push(value);
    else byAlias.set(m[1], [...(byAlias.get(m[1]) ?? []), m[2]]);
  }
  return { all, byAlias };
}

/**
 * Adds each `--plugin` source to `config.plugins` under an alias taken from its name, with the
 * `--grant` permissions: a bare `--grant` is for every `--plugin`, `--grant ALIAS:PERMISSION=...`
 * for that one only. Relative paths are resolved against the working directory.
 *
 * @example
 * ```ts ignore
 * const cfg = addCliPlugins(config, ["./my_auth.ts"], ["my_auth:net=auth.example.com:443"]);
 * assert.deepEqual(cfg.plugins.my_auth.permissions, { net: ["auth.example.com:443"] });
 * ```
 */
export function addCliPlugins(
  config: BrokerConfig,
  sources: string[],
  grants: string[],
): BrokerConfig {
  if (sources.length === 0) return config;
  const { all, byAlias } = grantsByAlias(grants);
  const plugins = { ...config.plugins };
  const added: string[] = [];
  for (const raw of sources) {
    const source = raw.startsWith(".") ? resolve(raw) : raw;
    let alias = aliasOf(source);
    for (let n = 2; alias in plugins; n++) alias = `${aliasOf(source)}-${n}`;
    const permissions = parseGrants([...all, ...(byAlias.get(alias) ?? [])]);
    const entry: PluginEntryConfig = { ...ENTRY_DEFAULTS, source, permissions };
    plugins[alias] = entry;
    added.push(alias);
  }
  const unknown = [...byAlias.keys()].filter((a) => !added.includes(a));
  if (unknown.length > 0) {
    throw new ConfigError("(command line)", [{
      path: "--grant",
      message: `no --plugin has the alias "${unknown[0]}" (aliases: ${added.join(", ")})`,
    }]);
  }
  return { ...config, plugins };
}

function aliasOf(source: string): string {
  const last = isAbsolute(source) || source.includes("/") ? basename(source) : source;
  const name = last.replace(/^npm:/, "").replace(/@[^@/]*$/, "");
  return basename(name, extname(name)).replace(/[^\w-]/g, "_") || "plugin";
}
