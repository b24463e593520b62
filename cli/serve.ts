/**
 * `aviary serve` (the default command): parses flags, loads the config and runs the broker until
 * SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { applyOverrides, ConfigError, loadConfig } from "../server/config/mod.ts";
import type { LogConfig } from "../server/config/types.ts";
import { switchableLogger } from "../server/config/reload_log.ts";
import { Reloader, reloadOnHangup } from "../server/config/reload.ts";
import { addCliPlugins } from "./plugin_flags.ts";
import { startBroker } from "../server/server.ts";
import { DatabaseLockedError } from "../server/persistence/mod.ts";
import { VERSION } from "../broker/version.ts";
import { type Command, COMMAND_NAMES, guarded } from "./command.ts";
import { checkCertificates, noClientWarning } from "./_preflight.ts";
import type { BrokerConfig } from "../server/config/types.ts";

const OPTIONS = {
  config: {
    type: "string",
    short: "c",
    description: "YAML config file (default: built-in, 127.0.0.1:1883)",
  },
  host: { type: "string", description: "host of the first TCP listener" },
  port: { type: "string", short: "p", description: "port of the first TCP listener" },
  "ws-port": {
    type: "string",
    description: "add (or move) a WebSocket listener to this port, path /mqtt",
  },
  "log-level": { type: "string", description: "debug | info | warn | error" },
  plugin: {
    type: "string",
    multiple: true,
    description: "load a plugin: path, URL, npm: or built-in name (repeatable)",
  },
  grant: {
    type: "string",
    multiple: true,
    description:
      "grant --plugin plugins a permission: [ALIAS:]net=host:port,.. | read=/dir | env (repeatable)",
  },
  version: { type: "boolean", short: "v", description: "print the version and exit" },
  help: { type: "boolean", short: "h", description: "print this help and exit" },
} as const;

/** The generated `--help` text. */
export function helpText(): string {
  const rows = Object.entries(OPTIONS).map(([name, o]) => {
    const short = "short" in o ? `-${o.short}, ` : "    ";
    const arg = o.type === "string" ? ` <${name === "config" ? "file" : "value"}>` : "";
    if (name === "plugin" || name === "grant") {
      return `      --${name}${arg}`.padEnd(30) + o.description;
    }
    return `  ${short}--${name}${arg}`.padEnd(30) + o.description;
  });
  const commands = COMMAND_NAMES.map((name) => `  aviary ${name} --help`).join("\n");
  return `Aviary ${VERSION}: an MQTT 3.1, 3.1.1 and 5.0 broker with caged plugins\n\n` +
    `Usage: aviary [options]   (or, in the checkout: deno task start [options])\n\nOptions:\n${
      rows.join("\n")
    }\n\nOther commands:\n${commands}\n`;
}

function toPort(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError("(command line)", [
      { path: `--${flag}`, message: `"${value}" is not a port (0-65535)` },
    ]);
  }
  return port;
}

/**
 * The config the `serve` flags describe: the file (or the built-in default), `--plugin` and
 * `--grant`, then the overrides. Null for `--help` and `--version`, which print and stop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configFromArgs } from "./serve.ts";
 * const config = await configFromArgs(["--port", "1999"]);
 * assert.equal(config?.listeners.default.bind, "127.0.0.1:1999");
 * ```
 */
export async function configFromArgs(args: string[]): Promise<BrokerConfig | null> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  if (values.help) {
    console.log(helpText());
    return null;
  }
  if (values.version) {
    console.log(`aviary ${VERSION} (deno ${Deno.version.deno})`);
    return null;
  }
  const loaded = addCliPlugins(
    await loadConfig(values.config),
    values.plugin ?? [],
    values.grant ?? [],
  );
  const config = applyOverrides(loaded, {
    host: values.host,
    port: toPort("port", values.port),
    wsPort: toPort("ws-port", values["ws-port"]),
    logLevel: values["log-level"] as LogConfig["level"] | undefined,
  });
  await checkCertificates(config, values.config ?? "(command line)");
  return config;
}

/** Runs the broker; returns the process exit code. */
async function serve(args: string[]): Promise<number> {
  const config = await configFromArgs(args);
  if (config === null) return 0;
  const log = switchableLogger(config.log);
  const closed = noClientWarning(config);
  if (closed) log.warn(closed);
  const running = await startBroker(config, { log });
  log.info("Aviary started", { version: VERSION });
  const reloader = new Reloader(
    { ...running, log, logger: log },
    async () => (await configFromArgs(args))!,
  );
  const stopReloads = reloadOnHangup(reloader);
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => stop = resolve);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await stopped;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  stopReloads();
  log.info("Shutting down");
  await running.close();
  return 0;
}

/** The `serve` command. */
export const command: Command = {
  summary: "run the broker (the default)",
  run: (args) =>
    guarded(
      () => serve(args),
      (err) => err instanceof ConfigError || err instanceof DatabaseLockedError ? 78 : 1,
    ),
};
