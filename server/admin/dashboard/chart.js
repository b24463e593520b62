// Live charts in plain SVG: a line chart of recent samples (message rates) and horizontal bars
// (hook latency). Both draw into an <svg> with a fixed viewBox that scales to its box, and write
// every label as text.
const NS = "http://www.w3.org/2000/svg";

/** The drawing width: the box's own width in CSS pixels, so that labels keep their size. */
const widthOf = (svg) => Math.max(280, Math.round(svg.getBoundingClientRect().width) || 400);

function svgEl(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A round upper bound for the y axis (1, 2, 5 times a power of ten). */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= value);
}

/**
 * Draws `series` ({name, color, values}) as lines over the last `points` samples (every line
 * after the first dashed, so equal series stay visible), with the y-axis maximum and a legend.
 */
export function lineChart(svg, series, points = 60) {
  const W = widthOf(svg), H = 150, top = 14, bottom = H - 18, left = 36;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i) => left + (i * (W - left - 4)) / Math.max(1, points - 1);
  const y = (v) => bottom - (v / max) * (bottom - top);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const parts = [
    svgEl("line", { x1: left, x2: W, y1: bottom, y2: bottom, class: "axis" }),
    svgEl("line", { x1: left, x2: W, y1: top, y2: top, class: "grid" }),
    svgEl("text", { x: left - 4, y: top + 4, "text-anchor": "end", class: "tick" }, String(max)),
    svgEl("text", { x: left - 4, y: bottom, "text-anchor": "end", class: "tick" }, "0"),
  ];
  series.forEach((s, k) => {
    const offset = points - s.values.length;
    const pts = s.values.map((v, i) => `${x(i + offset).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length > 1) {
      const line = { points: pts.join(" "), fill: "none", stroke: s.color };
      parts.push(svgEl("polyline", k > 0 ? { ...line, "stroke-dasharray": "6 4" } : line));
    }
    const last = s.values.at(-1);
    const label = `${s.name}: ${last === undefined ? "-" : last.toFixed(1)}`;
    parts.push(
      svgEl("text", { x: left + 4 + k * 110, y: H - 2, fill: s.color, class: "legend" }, label),
    );
  });
  svg.replaceChildren(...parts);
}

/**
 * Draws one bar pair per row ({label, p50, p99}, milliseconds): p99 light, p50 dark, the figures
 * at the right. An empty list draws a note.
 */
export function barChart(svg, rows, empty = "No hook calls yet") {
  const W = widthOf(svg), rowH = 22, labelW = 170, valueW = 92;
  const H = Math.max(1, rows.length) * rowH + 4;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  if (rows.length === 0) {
    svg.replaceChildren(svgEl("text", { x: 4, y: 16, class: "tick" }, empty));
    return;
  }
  const max = niceMax(Math.max(...rows.map((r) => r.p99 ?? 0)));
  const scale = (v) => ((v ?? 0) / max) * (W - labelW - valueW);
  const parts = rows.flatMap((r, i) => {
    const yy = i * rowH + 4;
    const label = r.label.length > 25 ? `${r.label.slice(0, 24)}…` : r.label;
    return [
      svgEl("text", { x: 0, y: yy + 14, class: "tick" }, label),
      svgEl("rect", { x: labelW, y: yy + 2, width: scale(r.p99), height: 14, class: "bar-p99" }),
      svgEl("rect", { x: labelW, y: yy + 2, width: scale(r.p50), height: 14, class: "bar-p50" }),
      svgEl(
        "text",
        { x: W - valueW + 4, y: yy + 14, class: "tick" },
        `${fmt(r.p50)} / ${fmt(r.p99)} ms`,
      ),
    ];
  });
  svg.replaceChildren(...parts);
}

const fmt = (v) => (v === null || v === undefined ? "-" : v < 1 ? v.toFixed(2) : String(v));
