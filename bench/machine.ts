/**
 * A description of the machine and the software under test, for the results file and README.
 *
 * @module
 */

async function firstLine(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) || new TextDecoder().decode(out.stderr);
    return text.split("\n")[0].trim() || null;
  } catch {
    return null;
  }
}

/** CPU count and model, memory, and the versions of Deno, Mosquitto, Node and aedes. */
export async function machine(): Promise<Record<string, string | number | null>> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const memKb = Number(meminfo.match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  const aedes = await Deno.readTextFile(
    new URL("./peers/node_modules/aedes/package.json", import.meta.url),
  )
    .then((t) => JSON.parse(t).version as string).catch(() => null);
  return {
    nproc: navigator.hardwareConcurrency,
    cpu: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? null,
    memGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: await firstLine("uname", ["-r"]),
    deno: Deno.version.deno,
    mosquitto: await firstLine("mosquitto", ["-h"]),
    node: await firstLine("node", ["--version"]),
    aedes,
  };
}
