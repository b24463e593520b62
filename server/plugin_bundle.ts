/**
 * Turns a plugin's entry module (TypeScript or JavaScript, with relative imports such as a
 * vendored SDK) into the one self-contained file the host runs: the host imports plugin code from
 * a `blob:` URL, where relative imports do not resolve (see `plugins/host/loader.ts`). Used by the
 * test harness (`server/testing.ts`) and by `aviary plugins pack`.
 *
 * @module
 */

/**
 * Bundles `entry` into the single ES module file `out` with `deno bundle` (the running Deno
 * binary). Throws an Error carrying Deno's own message when the module does not bundle.
 *
 * @example
 * ```ts ignore
 * await bundlePlugin("./plugin.ts", "./dist/plugin.js");
 * ```
 */
export async function bundlePlugin(entry: string, out: string): Promise<void> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "--format",
      "esm",
      "-o",
      out,
      entry.startsWith("-") ? `./${entry}` : entry,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const { code, stderr } = await cmd.output();
  if (code !== 0) {
    const why = new TextDecoder().decode(stderr).trim();
    throw new Error(`cannot bundle ${entry}: ${why}`);
  }
}
