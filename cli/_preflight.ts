/**
 * Checks made before the broker opens anything: every certificate file a listener names can be
 * read (else a {@linkcode ConfigError}, exit 78, before any listener opens), and a warning when
 * no client could ever connect.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../server/config/mod.ts";
import type { BrokerConfig } from "../server/config/types.ts";

/**
 * Throws a {@linkcode ConfigError} naming every listener certificate, key or CA file that cannot
 * be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "../server/config/mod.ts";
 * import { checkCertificates } from "./_preflight.ts";
 * const cfg = parseConfig(
 *   "listeners:\n  s:\n    type: tls\n    bind: 127.0.0.1:8883\n    cert: /nonexistent/c.pem\n    key: /nonexistent/k.pem\n",
 *   "a.yaml",
 * );
 * await assert.rejects(checkCertificates(cfg, "a.yaml"), /listeners\.s\.cert: cannot read/);
 * ```
 */
export async function checkCertificates(config: BrokerConfig, file: string): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  for (const [name, listener] of Object.entries(config.listeners)) {
    for (const key of ["cert", "key", "ca"] as const) {
      const path = listener[key];
      if (path === null || path === undefined) continue;
      try {
        (await Deno.open(path)).close();
      } catch (err) {
        const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
        issues.push({ path: `listeners.${name}.${key}`, message: `cannot read ${path}: ${why}` });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(file, issues);
}

/**
 * The warning to print when the config lets no client in: anonymous clients refused and no
 * plugin (configured or installed) that could authenticate one; null when some client can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "../server/config/mod.ts";
 * import { noClientWarning } from "./_preflight.ts";
 * const closed = parseConfig("data_dir: /nonexistent\n", "a.yaml");
 * assert.match(noClientWarning(closed) ?? "", /^no client can connect/);
 * assert.equal(noClientWarning(parseConfig("auth:\n  allow_anonymous: true\n", "a.yaml")), null);
 * ```
 */
export function noClientWarning(config: BrokerConfig): string | null {
  if (config.auth.allow_anonymous) return null;
  if (Object.keys(config.plugins).length > 0) return null;
  if (existsSync(join(config.data_dir, "plugins", "state.json"))) return null;
  return "no client can connect: auth.allow_anonymous is false and no plugin can authenticate " +
    "clients (set auth.allow_anonymous: true, or add an auth plugin under plugins:)";
}
