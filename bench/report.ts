/**
 * Turns measurements into the results table (medians per broker, Aviary's ratio to each peer) and
 * checks Aviary's targets.
 *
 * @module
 */
import { BROKER_LABELS, type BrokerId, BROKERS } from "./brokers.ts";
import type {
  ConnectMeasurement,
  IdleMeasurement,
  Measurement,
  ScenarioOutcome,
} from "./runner.ts";
import type { Scenario } from "./scenarios.ts";
import type { FlowResult } from "./load/spec.ts";

/** One table row: a figure per target, medians over runs. */
export interface Row {
  scenario: string;
  label: string;
  unit: string;
  better: "higher" | "lower";
  values: Record<string, number | null>;
  /** Free text: losses, skipped reasons, plugin overhead. */
  note: string;
  /** Targets that lost, duplicated or reordered messages, or failed a run. */
  lossy: string[];
  /** A lower-is-better row whose target is the best peer's figure (p99 rows always are). */
  vsBest?: boolean;
  /** Plugin rows: the share of the no-plugin figure kept, and the least share that meets the target. */
  kept?: { share: number; min: number };
}

/** Median of the finite numbers, or null. */
export function median(xs: (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function flows(o: ScenarioOutcome, target: string): FlowResult[] {
  return o.measurements.filter((m): m is Measurement & { result: FlowResult } =>
    m.target === target && m.result?.mode === "flow"
  ).map((m) => m.result);
}

function idles(o: ScenarioOutcome, target: string): IdleMeasurement[] {
  return o.measurements.filter((m): m is Measurement & { result: IdleMeasurement } =>
    m.target === target && m.result?.mode === "idle"
  ).map((m) => m.result);
}

function connects(o: ScenarioOutcome, target: string): ConnectMeasurement[] {
  return o.measurements.filter((m): m is Measurement & { result: ConnectMeasurement } =>
    m.target === target && m.result?.mode === "connect"
  ).map((m) => m.result);
}

function byTarget(o: ScenarioOutcome, f: (t: string) => number | null) {
  return Object.fromEntries(o.targets.map((t) => [t, f(t)]));
}

function lossNote(o: ScenarioOutcome): string {
  return flaws(o).map(([t, bits]) => `${BROKER_LABELS[t as BrokerId] ?? t}: ${bits}`).join("; ");
}

function flaws(o: ScenarioOutcome): [string, string][] {
  const parts: [string, string][] = [];
  for (const t of o.targets) {
    const rs = flows(o, t);
    const lost = rs.reduce((n, r) => n + r.lost, 0);
    const dup = rs.reduce((n, r) => n + r.duplicates, 0);
    const ooo = rs.reduce((n, r) => n + r.outOfOrder, 0);
    const expected = rs.reduce((n, r) => n + r.expected, 0);
    const errors = o.measurements.filter((m) => m.target === t && m.error).length;
    const refused = connects(o, t).reduce((n, r) => n + r.failed, 0);
    const bits = [
      refused ? `${refused} CONNECTs failed` : "",
      lost ? `lost ${((lost / expected) * 100).toFixed(2)}%` : "",
      dup ? `dup ${dup}` : "",
      ooo ? `out of order ${ooo}` : "",
      errors ? `${errors} failed runs` : "",
    ].filter(Boolean);
    if (bits.length) parts.push([t, bits.join(", ")]);
  }
  return parts;
}

/** Builds a row of scenario `s` from its label, unit, direction, values and note. */
type RowMaker = (
  label: string,
  unit: string,
  better: Row["better"],
  values: Row["values"],
  note?: string,
) => Row;

/** Table rows for one scenario's outcome. */
export function rowsOf(s: Scenario, o: ScenarioOutcome): Row[] {
  const lossy = flaws(o).map(([t]) => t);
  const row: RowMaker = (label, unit, better, values, note = "") => ({
    scenario: s.id,
    label,
    unit,
    better,
    values,
    note,
    lossy,
  });
  if (o.skipped) return [row(s.title, "", "higher", {}, `skipped: ${o.skipped}`)];
  if (s.kind === "idle") return idleRows(s, o, row);
  if (s.kind === "retained") return retainedRows(s, o, row);
  if (s.figure === "latency") return latencyRows(s, o, row);
  const rates = s.kind === "connect"
    ? byTarget(o, (t) => median(connects(o, t).map((r) => r.connectRate)))
    : byTarget(o, (t) => median(flows(o, t).map((r) => r.rate)));
  const unit = s.kind === "connect" ? "conn/s" : "msg/s";
  if (s.plugin) return pluginRows(s, s.plugin, o, row, rates, unit);
  return [row(s.title, unit, "higher", rates, lossNote(o))];
}

/** Connects/s and RSS per connection of an idle scenario. */
function idleRows(s: Scenario, o: ScenarioOutcome, row: RowMaker): Row[] {
  return [
    row(
      `${s.title}: connects/s`,
      "conn/s",
      "higher",
      byTarget(o, (t) => median(idles(o, t).map((r) => r.connectRate))),
    ),
    row(
      `${s.title}: RSS per connection`,
      "KiB",
      "lower",
      byTarget(o, (t) => median(idles(o, t).map((r) => r.rssPerConnKb))),
    ),
  ];
}

/** Delivery time and broker RSS growth of a retained scenario. */
function retainedRows(s: Scenario, o: ScenarioOutcome, row: RowMaker): Row[] {
  const growthMiB = (r: FlowResult) => {
    const { rssBeforeKb: before, rssPeakKb: peak } = r.retained ?? {};
    return typeof before === "number" && typeof peak === "number" ? (peak - before) / 1024 : null;
  };
  return [
    {
      ...row(
        `${s.title}: time`,
        "ms",
        "lower",
        byTarget(o, (t) => median(flows(o, t).map((r) => r.elapsedMs))),
        lossNote(o),
      ),
      vsBest: true,
    },
    row(
      `${s.title}: broker RSS growth`,
      "MiB",
      "lower",
      byTarget(o, (t) => median(flows(o, t).map(growthMiB))),
    ),
  ];
}

/** The p50 and p99 latency of a latency scenario. */
function latencyRows(s: Scenario, o: ScenarioOutcome, row: RowMaker): Row[] {
  const pick = (q: "p50" | "p99") =>
    byTarget(o, (t) => median(flows(o, t).map((r) => r.latencyMs[q])));
  return [
    row(`${s.title}: p50`, "ms", "lower", pick("p50"), lossNote(o)),
    row(`${s.title}: p99`, "ms", "lower", pick("p99")),
  ];
}

/** Aviary without and with the plugin fixture, and the share of the figure it kept. */
function pluginRows(
  s: Scenario,
  plugin: NonNullable<Scenario["plugin"]>,
  o: ScenarioOutcome,
  row: RowMaker,
  rates: Row["values"],
  unit: string,
): Row[] {
  const plain = rates["aviary"] ?? null;
  const withPlugin = rates["aviary+plugins"] ?? null;
  const share = plain && withPlugin ? withPlugin / plain : null;
  const min = plugin.keepAtLeast;
  const note = share === null
    ? ""
    : `${(share * 100).toFixed(1)}% of no plugin (target >= ${min * 100}%)`;
  const notes = [note, lossNote(o)].filter(Boolean).join("; ");
  return [
    row(`${s.title}, no plugin`, unit, "higher", { aviary: plain }),
    {
      ...row(`${s.title} + ${plugin.label}`, unit, "higher", { aviary: withPlugin }, notes),
      ...(share === null ? {} : { kept: { share, min } }),
    },
  ];
}

/** Formats a figure: thousands as `178.2k`, small numbers with up to 2 decimals. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return "-";
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  if (Math.abs(x) >= 100) return String(Math.round(x));
  return String(Math.round(x * 100) / 100);
}

function ratio(a: number | null, b: number | null): string {
  return a && b ? `${(a / b).toFixed(2)}x` : "-";
}

/** The results as a Markdown table: each broker's median, Aviary's ratio to each peer. */
export function markdownTable(rows: Row[]): string {
  const peers = BROKERS.filter((b) => b !== "aviary");
  const head = [
    "Scenario",
    "Unit",
    ...BROKERS.map((b) => BROKER_LABELS[b]),
    ...peers.map((p) => `Aviary/${BROKER_LABELS[p]}`),
    "Notes",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows) {
    const cells = [
      r.label,
      r.unit,
      ...BROKERS.map((b) => fmt(r.values[b])),
      ...peers.map((p) => ratio(r.values.aviary ?? null, r.values[p] ?? null)),
      r.note,
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/**
 * Checks Aviary's targets: throughput >= best peer, p99 (and rows marked `vsBest`) <= best peer,
 * RSS/conn <= 2x Mosquitto,
 * and with a plugin fixture loaded at least the fixture's share of the no-plugin figure.
 */
export function targetChecks(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const a = r.values.aviary;
    if (r.kept) {
      const { share, min } = r.kept;
      const lossy = r.lossy.includes("aviary+plugins");
      const detail = `${(share * 100).toFixed(1)}% of no plugin (target >= ${min * 100}%)` +
        (lossy ? "; lost messages or failed CONNECTs (see Notes)" : "");
      out.push(verdict(r.label, share >= min && !lossy, detail));
    }
    if (a === null || a === undefined) continue;
    const peers = BROKERS.filter((b) => b !== "aviary").map((b) => [b, r.values[b]] as const)
      .filter((e): e is readonly [typeof e[0], number] => typeof e[1] === "number");
    if (peers.length === 0) continue;
    if (r.unit === "msg/s") {
      const [who, best] = peers.reduce((x, y) => (y[1] > x[1] ? y : x));
      const lossy = r.lossy.includes("aviary");
      const detail = `${fmt(a)} vs ${BROKER_LABELS[who]} ${fmt(best)} ` +
        `(${((a / best - 1) * 100).toFixed(1)}%)${
          lossy ? "; Aviary lost messages (see Notes)" : ""
        }`;
      out.push(verdict(r.label, a >= best && !lossy, detail));
    } else if (r.label.endsWith("p99") || r.vsBest) {
      const [who, best] = peers.reduce((x, y) => (y[1] < x[1] ? y : x));
      const lossy = r.vsBest && r.lossy.includes("aviary") ? "; Aviary lost messages" : "";
      const detail = `${fmt(a)} ${r.unit} vs ${BROKER_LABELS[who]} ${fmt(best)} ${r.unit}${lossy}`;
      out.push(verdict(r.label, a <= best && !lossy, detail));
    } else if (r.unit === "KiB" && typeof r.values.mosquitto === "number") {
      const limit = 2 * r.values.mosquitto;
      out.push(verdict(r.label, a <= limit, `${fmt(a)} KiB vs 2 x Mosquitto = ${fmt(limit)} KiB`));
    }
  }
  return out;
}

function verdict(label: string, ok: boolean, detail: string): string {
  return `${ok ? "MET " : "MISS"}  ${label}: ${detail}`;
}
