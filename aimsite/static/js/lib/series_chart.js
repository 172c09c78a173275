// The one line-chart component: lines (and aggregation bands) on one Plotly plot. The
// Metrics explorer draws one per facet, the run page's Metrics and System tabs one per
// series (runs/js/run_metric_chart.js). It takes lines already aligned, smoothed and
// styled (lib/series_math.js) and only draws, appends and reports pointer events.
//
//   const chart = createSeriesChart(container, { onHover, onUnhover, onClick, height, svgMaxPoints, imageButton,
//                                                 firstPaint: "plotly" | "canvas" });
//   chart.draw({
//     lines: [{ id, x, y, customdata, color, dash, width, opacity,   // one trace each (*)
//               // customdata: an array, or a function giving it when Plotly draws
//               hover: "skip" | "<Plotly hovertemplate>" }],  // default: the onHover callback
//     bands: [{ id, x, lower, upper, color }],       // filled areas under the lines
//     xAxis: { type: "linear" | "log" | "date", title, range: [min, max] | null },
//     yAxis: { type: "linear" | "log", title, range: [min, max] | null, suffix },  // suffix: " %"
//     revision,                                      // a new value forgets the zoom
//   });
//   chart.extend([{ id, x, y, customdata }]);        // newer points at the ends of lines (live)
//   chart.highlight((line) => bool | null);          // fade the lines that return false
//   chart.exportImage("png" | "svg", filename);
//   chart.takeOver();                                // canvas first paint: Plotly draws from now on
//   chart.destroy();
//
// firstPaint "canvas" (the run page, issue 17): draws go to a 2-D canvas laid out as
// Plotly would lay them out (lib/series_canvas.js), with no Plotly loaded, until the
// pointer enters the chart (hover, zoom), a wheel or touch, or takeOver(); then
// Plotly draws the same spec under the canvas, the canvas goes, and every later draw
// and extend is Plotly's. The plot's data-drawn says which ("canvas" or "plotly").
// A zoom box dragged (or a double-click) before Plotly has drawn is Plotly's all the
// same: lib/series_canvas_zoom.js draws it on the canvas and hands the range over.
//
// WebGL (scattergl) draws long series fast, but browsers allow only a handful of WebGL
// contexts per page; a page of many small charts passes svgMaxPoints, and a chart holding
// at most that many points in all is drawn with SVG (scatter) and takes no context.
//
// (*) Past MERGE_MIN_LINES WebGL lines without customdata or hover templates, lines of
// one style share a trace (null-separated; the traces are built in lib/series_traces.js);
// callbacks still get the line and its own point index. A highlight there never redraws
// the plot (800 lines cost a WebGL draw of 400k points each time, seconds without a
// GPU): the plot's WebGL layer is faded with CSS and the chosen lines are drawn on a 2D
// canvas over it (lib/series_highlight.js; data-highlighted on the plot says how many).
//
// Callbacks get (line, pointIndex, mouseEvent). Plotly's own hover label is off unless a
// line brings a hover template: the explorers draw their tooltip with the DOM helper, so
// user data never becomes markup; the run page's template shows only numbers and times.
import { el } from "./dom.js";
import { MIN_LOG_VALUE } from "./series_math.js";
import { plotly, whenPlotly } from "./plotly.js";
import { createCanvasView } from "./series_canvas.js";
import { createCanvasZoom } from "./series_canvas_zoom.js";
import { createHighlightOverlay } from "./series_highlight.js";
import { bandTrace, clampLog, customdataOf, isMergeable, lineTrace, mergedTraces, pointCount } from "./series_traces.js";

const FADED_OPACITY = 0.18;
const MARGIN = { l: 60, r: 16, t: 10, b: 44 };
const TAKE_OVER_EVENTS = ["pointerenter", "wheel", "touchstart", "focusin"];

function axisRange(axis) {
  if (!axis.range) return undefined;
  if (axis.type !== "log") return axis.range;
  return axis.range.map((bound) => Math.log10(Math.max(bound, MIN_LOG_VALUE)));
}

export function createSeriesChart(container, {
  onHover = () => {}, onUnhover = () => {}, onClick = () => {},
  height = 340, svgMaxPoints = 0, imageButton = false, firstPaint = "plotly",
} = {}) {
  const plot = el("div", "series-plot");
  container.append(plot);
  // The canvas first paint, until Plotly takes over (takeOver).
  let canvasView = firstPaint === "canvas" ? createCanvasView(plot, { height, margin: MARGIN }) : null;
  let canvasZoom = canvasView ? createCanvasZoom(plot, canvasView) : null;
  let takingOver = null;
  if (canvasView) {
    for (const type of TAKE_OVER_EVENTS) plot.addEventListener(type, takeOver, { once: true, passive: true });
  }
  const config = {
    displaylogo: false, responsive: true,
    modeBarButtonsToRemove: imageButton ? ["lasso2d", "select2d"] : ["lasso2d", "select2d", "toImage"],
  };
  let spec = null; // the last drawn {lines, bands, xAxis, yAxis, revision}
  let lines = [];
  let firstLine = 0; // bands come first: trace i is lines[i - firstLine]
  let faded = null;
  let bound = false;
  // Merged drawing: per line trace, which line owns each point; the canvas the
  // highlighted lines are drawn on over the faded plot.
  let owners = null;
  const overlay = createHighlightOverlay(plot, FADED_OPACITY);

  function hit(point) {
    const trace = point.curveNumber - firstLine;
    const index = point.pointIndex ?? point.pointNumber;
    if (!owners) return lines[trace] ? { line: lines[trace], index } : null;
    const entry = owners[trace];
    const owned = entry ? entry.owner[index] : -1;
    return owned >= 0 ? { line: lines[owned], index: index - entry.starts.get(owned) } : null;
  }
  const traceType = (nextLines, bands) => {
    const total = pointCount(nextLines, bands);
    return svgMaxPoints > 0 && total <= svgMaxPoints ? "scatter" : "scattergl";
  };

  function bind() {
    if (bound) return;
    bound = true;
    plot.on("plotly_hover", (event) => {
      const found = event.points.map(hit).find(Boolean);
      if (found) onHover(found.line, found.index, event.event);
    });
    plot.on("plotly_unhover", () => onUnhover());
    plot.on("plotly_relayout", () => { if (owners && faded) drawOverlay(faded); });
    plot.on("plotly_click", (event) => {
      const found = event.points.map(hit).find(Boolean);
      if (found) onClick(found.line, found.index, event.event);
    });
  }

  function layout({ xAxis, yAxis, revision }) {
    const title = (axis) => (axis.title ? { text: axis.title, font: { size: 11 } } : undefined);
    return {
      height,
      margin: MARGIN,
      showlegend: false,
      hovermode: "closest",
      hoverdistance: 30,
      dragmode: "zoom",
      xaxis: {
        type: xAxis.type || "linear", title: title(xAxis), range: axisRange(xAxis),
        autorange: !xAxis.range, zeroline: false, automargin: true,
      },
      yaxis: {
        type: yAxis.type || "linear", title: title(yAxis), range: axisRange(yAxis), autorange: !yAxis.range,
        zeroline: false, automargin: true, exponentformat: "e", ticksuffix: yAxis.suffix,
      },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      uirevision: revision,
    };
  }

  function opacities() {
    return lines.map((line) => (!faded || faded(line) ? line.opacity ?? 1 : FADED_OPACITY));
  }

  function draw({ lines: nextLines, bands = [], xAxis, yAxis = {}, revision = "" }) {
    if (spec && revision !== spec.revision) canvasZoom?.forget();
    spec = { lines: nextLines, bands, xAxis, yAxis, revision };
    lines = nextLines;
    firstLine = bands.length;
    faded = null;
    if (!canvasView) return drawPlotly();
    const view = canvasView;
    return view.render(spec, opacities()).then(() => {
      if (canvasView === view) plot.dataset.drawn = "canvas";
    });
  }

  /** Switches a canvas-drawn chart to Plotly: the last spec is drawn under the canvas,
   *  which goes once Plotly has drawn and a drag begun on it has ended. Resolves then. */
  function takeOver() {
    if (!canvasView) return takingOver || Promise.resolve();
    const view = canvasView;
    canvasView = null;
    for (const type of TAKE_OVER_EVENTS) plot.removeEventListener(type, takeOver);
    takingOver = (spec ? drawPlotly() : whenPlotly()).then(() => canvasZoom.idle()).finally(() => {
      view.remove();
      canvasZoom.remove();
      canvasZoom = null;
      takingOver = null;
    });
    return takingOver;
  }

  async function drawPlotly() {
    const drawn = spec;
    const { bands } = drawn;
    const isLogY = drawn.yAxis.type === "log";
    const type = traceType(lines, bands);
    let lineTraces;
    owners = null;
    overlay.clear();
    if (isMergeable(lines, type)) {
      const merged = mergedTraces(lines.map((line, index) => ({ line, index })), isLogY, type, (line) => line.opacity ?? 1);
      lineTraces = merged.traces;
      owners = merged.owners;
    } else {
      lineTraces = lines.map((line) => lineTrace(line, isLogY, type));
    }
    const traces = [...bands.map((band) => bandTrace(band, isLogY, type)), ...lineTraces];
    const Plotly = await whenPlotly();
    await Plotly.react(plot, traces, layout(drawn), config);
    await canvasZoom?.handOver(Plotly);
    plot.dataset.drawn = "plotly";
    bind();
  }

  /** Appends points to the ends of drawn lines with Plotly.extendTraces, which adds
   *  to the traces in place instead of diffing every trace as react does. A chart that
   *  must change renderer, or a one-point line that becomes a line, is drawn again. */
  async function extend(tails) {
    const byId = new Map(tails.filter((tail) => tail.x.length).map((tail) => [tail.id, tail]));
    if (!spec || !byId.size) return;
    if (canvasView || takingOver) {
      // On the canvas (or while Plotly takes over) the grown lines are drawn again.
      await draw({ ...spec, lines: grownLines(byId) });
      return;
    }
    if (owners) {
      // Merged traces hold many lines: drawn again rather than extended in place.
      const longer = lines.map((line) => {
        const tail = byId.get(line.id);
        return tail ? { ...line, x: [...line.x, ...tail.x], y: [...line.y, ...tail.y] } : line;
      });
      await draw({ ...spec, lines: longer });
      return;
    }
    const grown = grownLines(byId);
    const indices = lines.flatMap((line, i) => (byId.has(line.id) ? [i] : []));
    const isRedrawn = traceType(grown, spec.bands) !== traceType(lines, spec.bands)
      || indices.some((i) => lines[i].x.length < 2)
      || new Set(indices.map((i) => Boolean(lines[i].customdata))).size > 1;
    if (isRedrawn) {
      await draw({ ...spec, lines: grown });
      return;
    }
    const isLogY = spec.yAxis.type === "log";
    const update = {
      x: indices.map((i) => byId.get(lines[i].id).x),
      y: indices.map((i) => (isLogY ? clampLog(byId.get(lines[i].id).y) : byId.get(lines[i].id).y)),
    };
    if (lines[indices[0]].customdata) update.customdata = indices.map((i) => customdataOf(byId.get(lines[i].id)));
    lines = grown;
    spec = { ...spec, lines: grown };
    await plotly().extendTraces(plot, update, indices.map((i) => i + firstLine));
  }

  function grownLines(byId) {
    return lines.map((line) => {
      const tail = byId.get(line.id);
      if (!tail) return line;
      const next = { ...line, x: [...line.x, ...tail.x], y: [...line.y, ...tail.y] };
      if (line.customdata) next.customdata = () => [...customdataOf(line), ...customdataOf(tail)];
      return next;
    });
  }

  /** Merged drawing: the chosen lines over the faded plot; no Plotly call. */
  function drawOverlay(predicate) {
    overlay.draw(predicate ? lines.filter(predicate) : [], spec.yAxis.type === "log");
  }

  return {
    element: plot,
    get lines() { return lines; },
    draw,
    extend,
    takeOver,
    highlight(predicate) {
      if (takingOver) {
        // Plotly is on its way: the highlight applies once it has drawn.
        takingOver.then(() => this.highlight(predicate));
        return;
      }
      if (predicate === faded || !lines.length) return;
      faded = predicate;
      if (canvasView) {
        canvasView.render(spec, opacities());
        return;
      }
      if (owners) {
        drawOverlay(predicate);
        return;
      }
      const indices = lines.map((_, i) => i + firstLine);
      plotly().restyle(plot, { opacity: opacities() }, indices);
    },
    async exportImage(format, filename) {
      await takeOver();
      const rect = plot.getBoundingClientRect();
      return plotly().downloadImage(plot, { format, filename, width: Math.round(rect.width) || 900, height });
    },
    destroy() {
      canvasView?.remove();
      canvasZoom?.remove();
      window.Plotly?.purge(plot);
      plot.remove();
    },
  };
}
