/**
 * The table of `aviary` commands. Each command lives in `cli/<command>.ts` and is loaded only
 * when it runs.
 *
 * @module
 */

/** A command: its one-line summary and its entry point (resolves to the exit code). */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

/**
 * Every command by name.
 *
 * @example
 * ```ts ignore
 * const serve = await COMMANDS.serve();
 * await serve.run(["--port", "1884"]);
 * ```
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./serve.ts")).command,
  passwd: async () => (await import("./passwd.ts")).command,
  plugins: async () => (await import("./plugins.ts")).command,
  admin: async () => (await import("./admin.ts")).command,
};
