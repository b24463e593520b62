// Shared by the kit tests: run `aviary` and `deno task` as real subprocesses.
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Runs `deno <args>` in `cwd`; resolves to the exit code and the combined output. */
export async function deno(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  });
  const { code, stdout, stderr } = await cmd.output();
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout) + dec.decode(stderr) };
}

/** `aviary plugins <args>` in `cwd`, with extra environment (`AVIARY_API`, ...). */
export function aviaryPlugins(args: string[], cwd: string, env: Record<string, string> = {}) {
  return deno(["run", "--no-prompt", "-A", MAIN, "plugins", ...args], cwd, env);
}
