// Plotly traces for lib/series_chart.js: a chart's lines and bands as the traces it
// draws, pure (no DOM, no Plotly loaded). A log y axis has its values clamped to
// MIN_LOG_VALUE, which Plotly would otherwise leave out.
//
//   bandTrace(band, isLogY, type)        // a filled area between band.lower and band.upper
//   lineTrace(line, isLogY, type)        // one line (markers when it has one point)
//   isMergeable(lines, type)             // past MERGE_MIN_LINES WebGL lines, none with
//                                        // customdata or a hover template
//   mergedTraces([{ line, index }], isLogY, type, opacityOf)
//     -> { traces, owners: [{ owner: Int32Array, starts: Map(index -> first point) }] }
//   pointCount(lines, bands)             // points in all (a band's twice: there and back)
//   clampLog(values);  customdataOf(line)
//
// Merging: Plotly's cost is per trace, and 800 traces took a second to draw; lines of
// one style in one null-separated trace cost one. owners maps a merged trace's point
// back to its line and that line's own point index, for the chart's callbacks.
import { MIN_LOG_VALUE } from "./series_math.js";

// Past this many WebGL lines, lines of one style share one trace (null-separated).
const MERGE_MIN_LINES = 40;

export const clampLog = (values) => values.map((value) => (value === null ? null : Math.max(value, MIN_LOG_VALUE)));

export function bandTrace(band, isLogY, type) {
  const lower = isLogY ? clampLog(band.lower) : band.lower;
  const upper = isLogY ? clampLog(band.upper) : band.upper;
  return {
    type, mode: "lines", fill: "toself", hoverinfo: "skip", showlegend: false,
    x: [...band.x, ...band.x.slice().reverse()],
    y: [...upper, ...lower.slice().reverse()],
    line: { width: 0, color: band.color }, fillcolor: `${band.color}33`,
  };
}

function hoverOf(line) {
  if (line.hover === "skip") return { hoverinfo: "skip" };
  if (line.hover) return { hovertemplate: line.hover };
  return { hoverinfo: "none" };
}

export const customdataOf = (line) => (typeof line.customdata === "function" ? line.customdata() : line.customdata);

export function lineTrace(line, isLogY, type) {
  return {
    type, mode: line.x.length === 1 ? "markers" : "lines", showlegend: false, ...hoverOf(line),
    x: line.x, y: isLogY ? clampLog(line.y) : line.y, customdata: customdataOf(line), opacity: line.opacity ?? 1,
    line: { color: line.color, width: line.width || 1.6, dash: line.dash || "solid" },
    marker: { color: line.color, size: 5 },
  };
}

export const isMergeable = (lines, type) => type === "scattergl" && lines.length >= MERGE_MIN_LINES
  && lines.every((line) => !line.customdata && (!line.hover || line.hover === "skip"));

/** Lines (with their index in the chart's lines) of one style in one trace each,
 *  separated by nulls, and for each trace which line owns each point. */
export function mergedTraces(entries, isLogY, type, opacityOf) {
  const groups = new Map();
  for (const entry of entries) {
    const { line } = entry;
    const key = [line.color, line.dash || "solid", line.width || 1.6, opacityOf(line), line.hover === "skip", line.x.length === 1].join("|");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(entry);
  }
  const traces = [];
  const owners = [];
  for (const group of groups.values()) {
    const total = group.reduce((sum, { line }) => sum + line.x.length, 0) + group.length - 1;
    const x = new Array(total).fill(null);
    const y = new Array(total).fill(null);
    const owner = new Int32Array(total).fill(-1);
    const starts = new Map();
    let at = 0;
    for (const { line, index } of group) {
      starts.set(index, at);
      for (let i = 0; i < line.x.length; i += 1) {
        x[at + i] = line.x[i];
        y[at + i] = line.y[i];
        owner[at + i] = index;
      }
      at += line.x.length + 1;
    }
    const first = group[0].line;
    const trace = lineTrace({ ...first, x, y, customdata: undefined, opacity: opacityOf(first) }, isLogY, type);
    trace.mode = first.x.length === 1 ? "markers" : "lines";
    traces.push(trace);
    owners.push({ owner, starts });
  }
  return { traces, owners };
}

export function pointCount(lines, bands) {
  return lines.reduce((total, line) => total + line.x.length, 0) + bands.reduce((total, band) => total + 2 * band.x.length, 0);
}
