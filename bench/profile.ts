/**
 * Reads a V8 `.cpuprofile` (as written by `deno run --cpu-prof`) and ranks functions by self time.
 *
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's self time. */
export interface SelfTime {
  fn: string;
  location: string;
  selfMs: number;
  /** Percent of busy time (all samples except `(idle)`). */
  percent: number;
}

const ROOT = new URL("..", import.meta.url).href;

/**
 * Self time per function (same name and source position merged), highest first, without `(idle)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selfTimes } from "./profile.ts";
 * const frame = (functionName: string) => ({ functionName, url: "", lineNumber: 0, columnNumber: 0 });
 * const top = selfTimes({
 *   nodes: [{ id: 1, callFrame: frame("(root)") }, { id: 2, callFrame: frame("hot") }],
 *   samples: [2, 2, 1],
 *   timeDeltas: [1000, 1000, 1000],
 * });
 * assert.equal(top[0].fn, "hot");
 * assert.equal(top[0].selfMs, 2);
 * ```
 */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, SelfTime>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === "(idle)") return;
    busyUs += dt;
    const f = node.callFrame;
    const url = f.url.startsWith(ROOT)
      ? f.url.slice(ROOT.length)
      : f.url.replace(/^.*\/npm\/[^/]+\//, "npm:");
    const location = url ? `${url}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName}@${location}`;
    const entry = totals.get(key) ??
      { fn: f.functionName || "(anonymous)", location, selfMs: 0, percent: 0 };
    entry.selfMs += dt / 1000;
    totals.set(key, entry);
  });
  return [...totals.values()]
    .map((e) => ({
      ...e,
      selfMs: Math.round(e.selfMs * 10) / 10,
      percent: Math.round((e.selfMs * 1000 / busyUs) * 1000) / 10,
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** The scenario `--profile` runs when given no id. */
export const DEFAULT_PROFILE_SCENARIO = "qos0-1to1";

/**
 * `args` with a bare `--profile` (last, or followed by another flag) given the default scenario, so
 * that `--profile` and `--profile aviary-plugins` both parse as a string option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileArgs } from "./profile.ts";
 * assert.deepEqual(profileArgs(["--profile"]), ["--profile=qos0-1to1"]);
 * assert.deepEqual(profileArgs(["--profile", "aviary-plugins"]), ["--profile", "aviary-plugins"]);
 * assert.deepEqual(profileArgs(["--profile", "--runs", "1"]), ["--profile=qos0-1to1", "--runs", "1"]);
 * ```
 */
export function profileArgs(args: string[]): string[] {
  return args.map((a, i) =>
    a === "--profile" && (i + 1 >= args.length || args[i + 1].startsWith("-"))
      ? `--profile=${DEFAULT_PROFILE_SCENARIO}`
      : a
  );
}

/** A profile and what ran: `plugins` when the plugin host ran in that broker. */
export interface LabelledProfile {
  path: string;
  profile: CpuProfile;
  plugins: boolean;
}

/**
 * Every `.cpuprofile` in `dir`, oldest first, each marked by whether a caged plugin's RPC ran in it (a plugin scenario profiles the broker without and with plugins).
 */
export async function allProfiles(dir: string): Promise<LabelledProfile[]> {
  const found: (LabelledProfile & { mtime: number })[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".cpuprofile")) continue;
    const path = `${dir}/${e.name}`;
    const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    const profile: CpuProfile = JSON.parse(await Deno.readTextFile(path));
    const plugins = profile.nodes.some((n) => n.callFrame.url.includes("plugins/host/rpc.ts"));
    found.push({ path, profile, plugins, mtime });
  }
  if (found.length === 0) {
    throw new Error(`Cannot find a .cpuprofile in ${dir}: was Aviary stopped cleanly?`);
  }
  return found.sort((a, b) => a.mtime - b.mtime).map(({ mtime: _, ...p }) => p);
}

/** The top `n` as a Markdown table. */
export function profileTable(top: SelfTime[], n = 15): string {
  const rows = top.slice(0, n).map((t, i) =>
    `| ${i + 1} | \`${t.fn}\` | ${t.location || "(native)"} | ${t.selfMs} | ${t.percent}% |`
  );
  return ["| # | Function | Where | Self ms | % of busy |", "|---|---|---|---|---|", ...rows].join(
    "\n",
  );
}
