// The cage crossing alone, without the broker or the network (issue 12 item 1):
// `deno run --no-prompt -A bench/plugins/crossing.ts [--only transform-process,...] [--messages N]
// [--repeat R]`
// Drives N PUBLISH-shaped events through a running PluginHost in batches of 128 (the broker's
// pipeline depth) with bench/plugins/transform.ts or notify.ts, caged as a process or a Worker,
// and reports, best of R runs, the broker side's CPU per message (this process: a Worker's thread
// included), the plugin process's, and the wall time per message. Add `--cpu-prof` to deno's flags for a profile of the crossing alone.
import { Buffer } from "node:buffer";
import { PluginHost } from "../../plugins/host/mod.ts";

const nolog = { debug() {}, info() {}, warn() {}, error() {} };
const services = { publish() {}, clients: () => [], retained: () => [] };
const args = Deno.args;
const flag = (name: string) => args[args.indexOf(name) + 1];
const messages = args.includes("--messages") ? Number(flag("--messages")) : 100_000;
const only = args.includes("--only") ? flag("--only").split(",") : null;
const repeat = args.includes("--repeat") ? Number(flag("--repeat")) : 3;
const BATCH = 128;

/** CPU time of a process (user + system) in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number | "self" = "self"): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU time of this process's children (a plugin process), in ms. */
function childrenCpuMs(): number {
  let sum = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    const kids = Deno.readTextFileSync(`/proc/self/task/${t.name}/children`).trim();
    for (const pid of kids ? kids.split(" ") : []) sum += cpuMs(Number(pid));
  }
  return sum;
}

function event(i: number) {
  return {
    topic: `bench/${i & 7}/t`,
    payload: Buffer.alloc(64, i & 255),
    qos: 0 as const,
    retain: false,
    properties: {},
    from: { clientId: "pub-1", username: null },
  };
}

function packet(i: number) {
  const { topic, payload } = event(i);
  const pkt = { cmd: "publish", retain: false, qos: 0, dup: false, length: 75, topic, payload };
  return { clientId: "pub-1", type: "publish", packet: pkt };
}

async function drive(kind: string, isolation: "process" | "worker" | "none"): Promise<void> {
  const source = new URL(`./${kind}.ts`, import.meta.url).pathname;
  const host = await PluginHost.start({
    // "none": no plugin at all, what the loop itself costs (subtract it).
    plugins: isolation === "none" ? {} : { p: { source, isolation, permissions: {} } },
    log: nolog,
    services,
    dataDir: null,
  });
  const run = async (n: number) => {
    for (let i = 0; i < n; i += BATCH) {
      if (kind === "notify") {
        for (let k = 0; k < BATCH; k++) host.notify("packet.received", packet(i + k) as never);
        await new Promise((r) => setTimeout(r, 0));
      } else {
        const batch = Array.from({ length: BATCH }, (_, k) => event(i + k));
        await Promise.all(batch.map((e) => host.transform("message.publish", e as never)));
      }
    }
  };
  await run(10_000); // warm up
  const best = { cpu: Infinity, child: Infinity, wall: Infinity };
  for (let i = 0; i < repeat; i++) {
    const c0 = cpuMs(), k0 = childrenCpuMs(), t0 = performance.now();
    await run(messages);
    best.wall = Math.min(best.wall, performance.now() - t0);
    best.cpu = Math.min(best.cpu, cpuMs() - c0);
    best.child = Math.min(best.child, childrenCpuMs() - k0);
  }
  const per = (ms: number) => (ms * 1000 / messages).toFixed(2);
  console.log(
    `${kind}-${isolation}: ${per(best.cpu)} us CPU/msg here, ${per(best.child)} in the plugin ` +
      `process, ${per(best.wall)} us wall/msg (best of ${repeat})`,
  );
  await host.close();
}

for (const isolation of ["none", "process", "worker"] as const) {
  for (const kind of ["transform", "notify"]) {
    if (!only || only.includes(`${kind}-${isolation}`)) await drive(kind, isolation);
  }
}
