/**
 * The `aviary` command line. `aviary [options]` runs the broker; `aviary <command> ...` runs one
 * of the commands in `cli/commands.ts`. This file only picks one.
 *
 * @module
 */
import { COMMANDS, findCommand } from "./cli/commands.ts";

/** Runs the CLI; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  const named = first !== undefined && !first.startsWith("-");
  const load = named ? findCommand(first) : COMMANDS.serve;
  if (!load) {
    console.error(
      `aviary: unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(", ")})`,
    );
    return 2;
  }
  return await (await load()).run(named ? rest : args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
