/**
 * The `aviary` launcher (`deno task start`, and the command `deno install` puts on the PATH). It
 * reads the config itself, then runs the broker in its own `deno run` with exactly the
 * permissions that config needs (cli/_permissions.ts), printed on stderr. Other commands run with
 * the fixed permissions of {@linkcode COMMAND_FLAGS}. SIGINT, SIGTERM and SIGHUP (reload the
 * config) are passed on; the exit code is the child's. A config that cannot be read or is
 * invalid exits 78 before anything starts.
 *
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../server/config/mod.ts";
import { errorLines } from "./command.ts";
import { brokerPermissions, permissionFlags } from "./_permissions.ts";
import { configFromArgs } from "./serve.ts";

/** The checkout: where `main.ts` and `deno.json` are. */
const CHECKOUT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** The environment variables the `plugins` command reads. */
export const CLI_ENV = [
  "AVIARY_API",
  "AVIARY_API_KEY",
  "AVIARY_CONFIG",
  "AVIARY_USER",
  "AVIARY_PASSWORD",
];

/** The permissions of each command other than `serve`. */
export const COMMAND_FLAGS: Record<string, string[]> = {
  plugins: ["--allow-read", "--allow-net", `--allow-env=${CLI_ENV.join(",")}`],
  passwd: ["--allow-read", "--allow-write"],
  admin: [],
};

/**
 * The extra permissions of `aviary plugins new|pack`, which write a plugin project and run
 * `deno bundle` (by this Deno's own path); none for the other commands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectFlags } from "./launch.ts";
 * assert.deepEqual(projectFlags(["plugins", "list"]), []);
 * assert.equal(projectFlags(["plugins", "pack", "."])[0], "--allow-write");
 * ```
 */
export function projectFlags(args: string[]): string[] {
  const [command, sub] = args;
  if (command !== "plugins" || (sub !== "new" && sub !== "pack")) return [];
  return ["--allow-write", `--allow-run=${Deno.execPath()}`];
}

/** V8 flags of the broker's own process. */
const BROKER_V8 = ["--v8-flags=--max-semi-space-size=2"];

/**
 * The `deno run` arguments for `args` (as given to `aviary`), or an exit code when nothing is to
 * run (`--help`, `--version`, a bad config).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoArgs } from "./launch.ts";
 * const argv = await denoArgs(["--port", "1999"]);
 * assert.ok(Array.isArray(argv) && argv.includes("--allow-net=127.0.0.1:1999"));
 * assert.deepEqual((await denoArgs(["admin", "--help"]) as string[]).slice(-2), ["admin", "--help"]);
 * ```
 */
export async function denoArgs(
  args: string[],
  opts: { announce?: boolean } = {},
): Promise<string[] | number> {
  const base = ["run", `--config=${CHECKOUT}/deno.json`, "--no-prompt", "--ignore-env"];
  const main = `${CHECKOUT}/main.ts`;
  const [first] = args;
  if (first !== undefined && !first.startsWith("-") && first !== "serve") {
    return [...base, ...(COMMAND_FLAGS[first] ?? []), ...projectFlags(args), main, ...args];
  }
  const serveArgs = first === "serve" ? args.slice(1) : args;
  const config = await configFromArgs(serveArgs);
  if (config === null) return 0;
  const at = serveArgs.findIndex((a) => a === "-c" || a === "--config");
  const long = serveArgs.find((a) => a.startsWith("--config="));
  const configFile = at >= 0 ? serveArgs[at + 1] : long?.slice("--config=".length);
  const flags = permissionFlags(brokerPermissions(config, { checkout: CHECKOUT, configFile }));
  if (opts.announce !== false) {
    console.error(`aviary: starting the broker with ${flags.join(" ")}`);
  }
  return [...base, ...BROKER_V8, ...flags, main, "serve", ...serveArgs];
}

/** Runs `deno` with `argv`, passing SIGINT, SIGTERM and SIGHUP (reload) on; resolves to its exit code. */
async function runChild(argv: string[]): Promise<number> {
  const child = new Deno.Command("deno", { args: argv }).spawn();
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const pass = signals.map((s) => [s, () => child.kill(s)] as const);
  for (const [s, f] of pass) Deno.addSignalListener(s, f);
  const status = await child.status;
  for (const [s, f] of pass) Deno.removeSignalListener(s, f);
  const number = { SIGHUP: 1, SIGINT: 2 }[status.signal as string] ?? 15;
  return status.signal ? 128 + number : status.code;
}

/** `args` with the config file's path made absolute (a service runs from anywhere). */
function absoluteConfig(args: string[]): string[] {
  return args.map((a, i) => {
    if (a.startsWith("--config=")) return `--config=${resolve(a.slice("--config=".length))}`;
    return args[i - 1] === "-c" || args[i - 1] === "--config" ? resolve(a) : a;
  });
}

/**
 * The whole command line that runs the broker for `argv`, quoted for a shell or a systemd
 * `ExecStart=` (arguments with spaces, quotes, `$` or `%` in double quotes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandLine } from "./launch.ts";
 * assert.equal(commandLine("/usr/bin/deno", ["run", "/a b/main.ts"]), '/usr/bin/deno run "/a b/main.ts"');
 * ```
 */
export function commandLine(deno: string, argv: string[]): string {
  const quote = (a: string) =>
    /^[\w@+=:,./-]+$/.test(a) ? a : `"${a.replace(/["\\$`]/g, "\\$&").replaceAll("%", "%%")}"`;
  return [deno, ...argv].map(quote).join(" ");
}

/**
 * Launches what `args` ask for; resolves to the exit code. With `--print-command`, prints the
 * broker's whole `deno run` line (for a systemd unit) instead of running it.
 */
export async function launch(args: string[]): Promise<number> {
  const print = args.includes(PRINT);
  let argv: string[] | number;
  try {
    const rest = args.filter((a) => a !== PRINT);
    argv = await denoArgs(print ? absoluteConfig(rest) : rest, { announce: !print });
  } catch (err) {
    for (const line of errorLines(err)) console.error(line);
    return err instanceof ConfigError ? 78 : 1;
  }
  if (typeof argv === "number") return argv;
  if (print) {
    console.log(commandLine(Deno.execPath(), argv));
    return 0;
  }
  return await runChild(argv);
}

/** The launcher's own flag: print the broker's command line and exit. */
const PRINT = "--print-command";

if (import.meta.main) Deno.exit(await launch(Deno.args));
