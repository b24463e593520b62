/**
 * The `aviary` launcher (`deno task start`, and the command `deno install` puts on the PATH). It
 * reads the config itself, then runs the broker in its own `deno run` with exactly the
 * permissions that config needs (cli/_permissions.ts), printed on stderr. Other commands run with
 * the fixed permissions of {@linkcode COMMAND_FLAGS}. Signals are passed on; the exit code is the
 * child's. A config that cannot be read or is invalid exits 78 before anything starts.
 *
 * @module
 */
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
export async function denoArgs(args: string[]): Promise<string[] | number> {
  const base = ["run", `--config=${CHECKOUT}/deno.json`, "--no-prompt", "--ignore-env"];
  const main = `${CHECKOUT}/main.ts`;
  const [first] = args;
  if (first !== undefined && !first.startsWith("-") && first !== "serve") {
    return [...base, ...(COMMAND_FLAGS[first] ?? []), main, ...args];
  }
  const serveArgs = first === "serve" ? args.slice(1) : args;
  const config = await configFromArgs(serveArgs);
  if (config === null) return 0;
  const at = serveArgs.findIndex((a) => a === "-c" || a === "--config");
  const long = serveArgs.find((a) => a.startsWith("--config="));
  const configFile = at >= 0 ? serveArgs[at + 1] : long?.slice("--config=".length);
  const flags = permissionFlags(brokerPermissions(config, { checkout: CHECKOUT, configFile }));
  console.error(`aviary: starting the broker with ${flags.join(" ")}`);
  return [...base, ...BROKER_V8, ...flags, main, "serve", ...serveArgs];
}

/** Runs `deno` with `argv`, passing SIGINT and SIGTERM on; resolves to its exit code. */
async function runChild(argv: string[]): Promise<number> {
  const child = new Deno.Command("deno", { args: argv }).spawn();
  const signals = ["SIGINT", "SIGTERM"] as const;
  const pass = signals.map((s) => [s, () => child.kill(s)] as const);
  for (const [s, f] of pass) Deno.addSignalListener(s, f);
  const status = await child.status;
  for (const [s, f] of pass) Deno.removeSignalListener(s, f);
  return status.signal ? 128 + (status.signal === "SIGINT" ? 2 : 15) : status.code;
}

/** Launches what `args` ask for; resolves to the exit code. */
export async function launch(args: string[]): Promise<number> {
  let argv: string[] | number;
  try {
    argv = await denoArgs(args);
  } catch (err) {
    for (const line of errorLines(err)) console.error(line);
    return err instanceof ConfigError ? 78 : 1;
  }
  return typeof argv === "number" ? argv : await runChild(argv);
}

if (import.meta.main) Deno.exit(await launch(Deno.args));
