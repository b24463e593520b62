/**
 * The Deno permissions a broker needs for one config, and nothing more: its listener and admin
 * addresses, certificate files, `data_dir`, plugin sources, the hosts of URL plugins, NATS, and
 * the union of what the config grants its plugins (a caged plugin cannot get more than the broker
 * holds). The launcher (`cli/launch.ts`) turns them into `deno run` flags.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBind } from "../server/config/bind.ts";
import type { BrokerConfig } from "../server/config/types.ts";

/** Permission kind -> the values to allow, or `true` for everything of that kind. */
export type BrokerPermissions = Record<string, Set<string> | true>;

const KINDS = ["read", "write", "net", "import", "env", "run", "sys", "ffi"] as const;

function add(perms: BrokerPermissions, kind: string, ...values: (string | null | undefined)[]) {
  if (perms[kind] === true) return;
  const set = (perms[kind] ??= new Set()) as Set<string>;
  for (const v of values) if (v) set.add(v);
}

function netOf(bind: string): string {
  const { hostname, port } = parseBind(bind);
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return port === 0 ? host : `${host}:${port}`;
}

function hostOfUrl(url: string, defaultPort: number): string {
  const u = new URL(url.includes("://") ? url : `nats://${url}`);
  return `${u.hostname}:${u.port || defaultPort}`;
}

function addPlugins(perms: BrokerPermissions, config: BrokerConfig): void {
  for (const entry of Object.values(config.plugins)) {
    const src = entry.source;
    if (/^https?:\/\//.test(src)) {
      const host = hostOfUrl(src, src.startsWith("https") ? 443 : 80);
      add(perms, "net", host);
      add(perms, "import", host);
    } else if (src.startsWith("file://")) add(perms, "read", dirname(fileURLToPath(src)));
    else if (src.startsWith("/")) add(perms, "read", dirname(src));
    for (const [kind, grant] of Object.entries(entry.permissions)) {
      if (grant === true) perms[kind] = true;
      else if (Array.isArray(grant)) add(perms, kind, ...grant);
    }
  }
}

/**
 * What a broker running `config` needs. `checkout` is the directory of Aviary's own sources;
 * `configFile` the config file, when there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "../server/config/mod.ts";
 * import { brokerPermissions } from "./_permissions.ts";
 * const cfg = parseConfig("listeners:\n  a:\n    type: tcp\n    bind: 0.0.0.0:1884\n", "/etc/a.yaml");
 * const perms = brokerPermissions(cfg, { checkout: "/opt/aviary", configFile: "/etc/a.yaml" });
 * assert.deepEqual([...perms.net as Set<string>], ["0.0.0.0:1884"]);
 * assert.deepEqual([...perms.write as Set<string>], ["/etc/.data"]);
 * ```
 */
export function brokerPermissions(
  config: BrokerConfig,
  where: { checkout: string; configFile?: string },
): BrokerPermissions {
  const perms: BrokerPermissions = {};
  const dataDir = resolve(config.data_dir);
  add(perms, "read", where.checkout, where.configFile && resolve(where.configFile), dataDir);
  add(perms, "write", dataDir);
  add(perms, "run", "deno");
  for (const l of Object.values(config.listeners)) {
    add(perms, "net", netOf(l.bind));
    add(perms, "read", l.cert, l.key, l.ca);
  }
  if (config.admin.enable) add(perms, "net", netOf(config.admin.bind));
  if (config.cluster.enable) {
    const nats = config.cluster.nats;
    add(perms, "net", ...nats.servers.map((s) => hostOfUrl(s, 4222)));
    add(perms, "read", nats.credentials, nats.tls_ca, nats.tls_cert, nats.tls_key);
    if (config.cluster.node === null) add(perms, "sys", "hostname");
  }
  addPlugins(perms, config);
  return perms;
}

/**
 * The `deno run` flags of `perms`, in a fixed order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionFlags } from "./_permissions.ts";
 * const flags = permissionFlags({ net: new Set(["127.0.0.1:1883"]), env: true });
 * assert.deepEqual(flags, ["--allow-net=127.0.0.1:1883", "--allow-env"]);
 * ```
 */
export function permissionFlags(perms: BrokerPermissions): string[] {
  const flags: string[] = [];
  for (const kind of KINDS) {
    const p = perms[kind];
    if (p === true) flags.push(`--allow-${kind}`);
    else if (p && p.size > 0) flags.push(`--allow-${kind}=${[...p].join(",")}`);
  }
  return flags;
}
