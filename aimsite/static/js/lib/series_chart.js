// The multi-series chart: many lines (and aggregation bands) on one Plotly WebGL plot,
// one chart per facet of the Metrics explorer. lib/chart.js stays the run page's
// single-series chart; this one takes lines already aligned, smoothed and styled
// (lib/series_math.js) and only draws and reports pointer events.
//
//   const chart = createSeriesChart(container, { onHover, onUnhover, onClick });
//   chart.draw({
//     lines: [{ id, x, y, color, dash, width }],     // one scattergl trace each
//     bands: [{ id, x, lower, upper, color }],       // filled areas under the lines
//     xAxis: { type: "linear" | "log" | "date", title, range: [min, max] | null },
//     yAxis: { type: "linear" | "log", range: [min, max] | null },
//     revision,                                      // a new value forgets the zoom
//   });
//   chart.highlight((line) => bool | null);          // fade the lines that return false
//   chart.exportImage("png" | "svg", filename);
//   chart.destroy();
//
// Callbacks get (line, pointIndex, mouseEvent). Plotly's own hover label is off: the
// page draws its tooltip with the DOM helper, so user data never becomes markup.
import { el } from "./dom.js";
import { MIN_LOG_VALUE } from "./series_math.js";

const FADED_OPACITY = 0.18;
const CONFIG = {
  displaylogo: false, responsive: true,
  modeBarButtonsToRemove: ["lasso2d", "select2d", "toImage"],
};

function plotly() {
  if (!window.Plotly) throw new Error("Plotly is not loaded: include vendor/plotly/plotly.min.js first");
  return window.Plotly;
}

const clampLog = (values) => values.map((value) => (value === null ? null : Math.max(value, MIN_LOG_VALUE)));

function axisRange(axis) {
  if (!axis.range) return undefined;
  if (axis.type !== "log") return axis.range;
  return axis.range.map((bound) => Math.log10(Math.max(bound, MIN_LOG_VALUE)));
}

function bandTrace(band, isLogY) {
  const lower = isLogY ? clampLog(band.lower) : band.lower;
  const upper = isLogY ? clampLog(band.upper) : band.upper;
  return {
    type: "scattergl", mode: "lines", fill: "toself", hoverinfo: "skip", showlegend: false,
    x: [...band.x, ...band.x.slice().reverse()],
    y: [...upper, ...lower.slice().reverse()],
    line: { width: 0, color: band.color }, fillcolor: `${band.color}33`,
  };
}

function lineTrace(line, isLogY) {
  return {
    type: "scattergl", mode: line.x.length === 1 ? "markers" : "lines", hoverinfo: "none", showlegend: false,
    x: line.x, y: isLogY ? clampLog(line.y) : line.y,
    line: { color: line.color, width: line.width || 1.6, dash: line.dash || "solid" },
    marker: { color: line.color, size: 5 },
  };
}

export function createSeriesChart(container, { onHover = () => {}, onUnhover = () => {}, onClick = () => {} } = {}) {
  const plot = el("div", "series-plot");
  container.append(plot);
  let lines = [];
  let firstLine = 0; // bands come first: trace i is lines[i - firstLine]
  let faded = null;
  let bound = false;

  const lineOf = (point) => lines[point.curveNumber - firstLine] || null;

  function bind() {
    if (bound) return;
    bound = true;
    plot.on("plotly_hover", (event) => {
      const point = event.points.find((item) => lineOf(item));
      if (point) onHover(lineOf(point), point.pointIndex ?? point.pointNumber, event.event);
    });
    plot.on("plotly_unhover", () => onUnhover());
    plot.on("plotly_click", (event) => {
      const point = event.points.find((item) => lineOf(item));
      if (point) onClick(lineOf(point), point.pointIndex ?? point.pointNumber, event.event);
    });
  }

  function layout({ xAxis, yAxis, revision }) {
    return {
      height: 340,
      margin: { l: 60, r: 16, t: 10, b: 44 },
      showlegend: false,
      hovermode: "closest",
      hoverdistance: 30,
      dragmode: "zoom",
      xaxis: {
        type: xAxis.type, title: { text: xAxis.title, font: { size: 11 } }, range: axisRange(xAxis),
        autorange: !xAxis.range, zeroline: false, automargin: true,
      },
      yaxis: {
        type: yAxis.type, range: axisRange(yAxis), autorange: !yAxis.range,
        zeroline: false, automargin: true, exponentformat: "e",
      },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      uirevision: revision,
    };
  }

  function opacities() {
    return lines.map((line) => (!faded || faded(line) ? 1 : FADED_OPACITY));
  }

  return {
    element: plot,
    get lines() { return lines; },
    async draw({ lines: nextLines, bands = [], xAxis, yAxis, revision = "" }) {
      lines = nextLines;
      firstLine = bands.length;
      faded = null;
      const isLogY = yAxis.type === "log";
      const traces = [...bands.map((band) => bandTrace(band, isLogY)), ...lines.map((line) => lineTrace(line, isLogY))];
      await plotly().react(plot, traces, layout({ xAxis, yAxis, revision }), CONFIG);
      bind();
    },
    highlight(predicate) {
      if (predicate === faded || !lines.length) return;
      faded = predicate;
      const indices = lines.map((_, i) => i + firstLine);
      plotly().restyle(plot, { opacity: opacities() }, indices);
    },
    exportImage(format, filename) {
      const rect = plot.getBoundingClientRect();
      return plotly().downloadImage(plot, { format, filename, width: Math.round(rect.width) || 900, height: 340 });
    },
    destroy() {
      plotly().purge(plot);
      plot.remove();
    },
  };
}
