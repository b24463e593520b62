/**
 * What a command is, the names of every command, and the one way a command reports a failure:
 * `aviary: <message>`, plus the code and field errors of an admin API refusal
 * ({@linkcode AdminError}). Commands import this file, never the command table (commands.ts).
 *
 * @module
 */
import { AdminError } from "../plugins/host/admin_errors.ts";

/** A command: its one-line summary and its entry point (resolves to the exit code). */
export interface Command {
  /** One line for the help text. */
  summary: string;
  /** Runs with the arguments after the command's name. */
  run(args: string[]): Promise<number>;
}

/** Every command name (`aviary <name> ...`); `serve` runs when none is given. */
export const COMMAND_NAMES = ["serve", "passwd", "plugins", "admin"] as const;

/** One of {@linkcode COMMAND_NAMES}. */
export type CommandName = typeof COMMAND_NAMES[number];

/**
 * The lines that report `err`: `<prefix>: <message>`; an admin API refusal adds its code and
 * one indented line per field error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AdminError } from "../plugins/host/admin_errors.ts";
 * import { errorLines } from "./command.ts";
 * const err = new AdminError("BAD_CONFIG", "Invalid config", {
 *   errors: [{ path: "prefix", message: "too long" }],
 * });
 * assert.deepEqual(errorLines(err), ["aviary: Invalid config (BAD_CONFIG)", "  prefix: too long"]);
 * assert.deepEqual(errorLines(new Error("no such file")), ["aviary: no such file"]);
 * ```
 */
export function errorLines(err: unknown, prefix = "aviary"): string[] {
  if (!(err instanceof AdminError)) return [`${prefix}: ${(err as Error)?.message ?? err}`];
  const fields = (err.details.errors as { path: string; message: string }[] | undefined) ?? [];
  return [
    `${prefix}: ${err.message} (${err.code})`,
    ...fields.map((e) => `  ${e.path || "(config)"}: ${e.message}`),
  ];
}

/**
 * Runs a command's body; a thrown error is printed on stderr ({@linkcode errorLines}) and
 * becomes the exit code `exitCode` gives it (default 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guarded } from "./command.ts";
 * const quiet = console.error;
 * console.error = () => {};
 * try {
 *   assert.equal(await guarded(() => Promise.reject(new Error("boom"))), 1);
 *   assert.equal(await guarded(() => Promise.resolve(0)), 0);
 * } finally {
 *   console.error = quiet;
 * }
 * ```
 */
export async function guarded(
  body: () => Promise<number>,
  exitCode: (err: unknown) => number = () => 1,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    for (const line of errorLines(err)) console.error(line);
    return exitCode(err);
  }
}
