/**
 * Reading the broker config: YAML text -> Avro schema (defaults, types, unknown keys) ->
 * semantic checks -> {@linkcode BrokerConfig}.
 *
 * @module
 */

import { LineCounter, parseDocument } from "yaml";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { grantedOnly } from "../../plugins/host/entry.ts";
import { type AvroValue, BROKER_SCHEMA, validateAvro } from "../../schema/mod.ts";
import { checkConfig } from "./_checks.ts";
import { DEFAULT_CONFIG_NAME, DEFAULT_CONFIG_YAML } from "./defaults.ts";
import { ConfigError, ConfigSyntaxError } from "./errors.ts";
import type { BrokerConfig } from "./types.ts";

/** A config as the schema validates it, before {@linkcode normalize}. */
type Validated = AvroValue<typeof BROKER_SCHEMA>;

/** aMQTT spelling: `allow-anonymous` is `allow_anonymous` (record keys only, not names). */
const underscored = (key: string): string => key.replaceAll("-", "_");

/**
 * Parses and validates config text. Relative `data_dir`, `cert`, `key`, `ca`, `cluster.nats` file
 * (`credentials`, `tls_*`) and plugin `source` (`./x.ts`) paths are resolved against the
 * directory of `file`; the files themselves are read later by the transport.
 *
 * @param text YAML text; empty text, or a key with nothing after it (`mqtt:`), means defaults.
 * @param file The file name, used in error messages and to resolve relative paths.
 * @throws {ConfigSyntaxError} when the text is not valid YAML.
 * @throws {ConfigError} listing every field that fails the schema or the semantic checks.
 * @example
 * ```ts
 * import { parseConfig } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const cfg = parseConfig(
 *   "listeners:\n  secure:\n    type: tls\n    bind: 0.0.0.0:8883\n    cert: certs/server.pem\n    key: certs/server.key\n",
 *   "conf/aviary.yaml",
 * );
 * assert.equal(cfg.listeners.secure.cert, "conf/certs/server.pem");
 * assert.equal(cfg.mqtt.max_packet_size, 1048576);
 * assert.throws(() => parseConfig("mqtt:\n  colour: red\n", "aviary.yaml"), {
 *   message: "Invalid config aviary.yaml: mqtt.colour: unknown key",
 * });
 * ```
 */
export function parseConfig(text: string, file: string): BrokerConfig {
  const raw = parseYaml(text, file) ?? {};
  const { value, errors } = validateAvro<Validated>(BROKER_SCHEMA, raw, {
    fieldKey: underscored,
    nullAsMissing: true,
  });
  if (errors.length > 0) throw new ConfigError(file, errors);
  const cfg = normalize(value, dirname(file));
  const issues = checkConfig(cfg);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return cfg;
}

/**
 * Reads and validates a config file, or the built-in default config when no file is given.
 *
 * @throws {ConfigError} when the file cannot be read or is invalid.
 * @example
 * ```ts
 * import { loadConfig } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const cfg = await loadConfig();
 * assert.deepEqual(Object.keys(cfg.listeners), ["default"]);
 * ```
 */
export async function loadConfig(file?: string): Promise<BrokerConfig> {
  if (file === undefined) return parseConfig(DEFAULT_CONFIG_YAML, DEFAULT_CONFIG_NAME);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
    throw new ConfigError(file, [{ path: "", message: reason }], {
      headline: "Cannot read config",
      cause: error,
    });
  }
  return parseConfig(text, file);
}

function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  const error = doc.errors[0];
  if (error) {
    const position = lineCounter.linePos(error.pos[0]);
    const reason = error.message.split("\n")[0];
    throw new ConfigSyntaxError(file, position.line, position.col, reason, { cause: error });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new ConfigError(file, [{ path: "", message: (cause as Error).message }], {
      headline: "Cannot parse config",
      cause,
    });
  }
}

/**
 * Drops permission keys left null (not granted); resolves `data_dir`, certificate, NATS and
 * plugin paths against the config file's directory.
 */
function normalize(cfg: Validated, baseDir: string): BrokerConfig {
  const resolve = (path: string | null) =>
    path === null || isAbsolute(path) ? path : join(baseDir, path);
  for (const listener of Object.values(cfg.listeners)) {
    listener.cert = resolve(listener.cert);
    listener.key = resolve(listener.key);
    listener.ca = resolve(listener.ca);
  }
  const nats = cfg.cluster.nats;
  for (const k of ["credentials", "tls_ca", "tls_cert", "tls_key"] as const) {
    nats[k] = resolve(nats[k]);
  }
  const plugins = Object.entries(cfg.plugins).map(([alias, plugin]) => {
    const { source, permissions } = plugin;
    const relative = source.startsWith("./") || source.startsWith("../");
    return [alias, {
      ...plugin,
      source: relative ? resolvePath(baseDir, source) : source,
      permissions: grantedOnly(permissions),
    }] as const;
  });
  const data_dir = resolve(cfg.data_dir) ?? cfg.data_dir;
  return { ...cfg, data_dir, plugins: Object.fromEntries(plugins) };
}
