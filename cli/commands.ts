/**
 * The table of `aviary` commands. Each command lives in `cli/<command>.ts` and is loaded only
 * when it runs; the table has one row per name in {@linkcode COMMAND_NAMES}.
 *
 * @module
 */
import type { Command, CommandName } from "./command.ts";

export type { Command } from "./command.ts";

/**
 * Every command by name.
 *
 * @example
 * ```ts ignore
 * const serve = await COMMANDS.serve();
 * await serve.run(["--port", "1884"]);
 * ```
 */
export const COMMANDS = {
  serve: async () => (await import("./serve.ts")).command,
  passwd: async () => (await import("./passwd.ts")).command,
  plugins: async () => (await import("./plugins.ts")).command,
  admin: async () => (await import("./admin.ts")).command,
} as const satisfies Record<CommandName, () => Promise<Command>>;

/**
 * The loader of the command called `name`, if there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findCommand } from "./commands.ts";
 * assert.ok(findCommand("plugins"));
 * assert.equal(findCommand("toString"), undefined);
 * ```
 */
export function findCommand(name: string): (() => Promise<Command>) | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}
