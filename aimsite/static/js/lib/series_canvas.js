// The canvas renderer of lib/series_chart.js. A chart's first paint can be drawn here,
// on a 2-D canvas, without Plotly: the run page draws its first screen this way and
// Plotly takes over on interaction (issue 17). So that the take-over shows no jump, the
// canvas lays a spec out as Plotly does with series_chart's layout: the same margins
// (automargin for the tick labels), ranges, ticks and labels (lib/series_axes.js), grid,
// fonts and colours. It also strokes the highlight overlay's lines.
//
//   const view = createCanvasView(plotElement, { height, margin });
//   await view.render(spec, opacities);  // spec as series_chart's draw() takes it; gives
//                                  // the plot area {left, top, width, height} and tick labels
//   view.frame;                    // the last render's {box, x: {type, range}, y}: ranges in the
//                                  // units it lays out in (log10 on a log axis, local ms on a date one)
//   view.zoom({ x, y });           // draw these ranges (those units) instead of the spec's; null: the spec's
//   view.remove();
//
// Renders asked for in one task are drawn together at its end (a microtask): every
// plot's width is read first, in one layout, then each canvas is drawn. Drawn one by
// one, a page of charts was laid out again before each chart (the previous canvas
// had changed size).
import { el } from "./dom.js";
import { axisTicks, dataOf, rangeOf } from "./series_axes.js";

const FONT_FAMILY = '"Open Sans", verdana, arial, sans-serif';
const TEXT_COLOR = "#444";
const GRID_COLOR = "#eee";
// setLineDash patterns for Plotly's dash names.
const DASHES = { solid: [], dash: [6, 4], dot: [2, 3], dashdot: [6, 3, 2, 3], longdash: [12, 4], longdashdot: [12, 4, 2, 4] };

/** Strokes one line ({x, y, color, width, dash, opacity}) through toX/toY (data to
 *  pixels); nulls and non-finite values break the line, a one-point line is a dot. */
export function strokeLine(context, line, toX, toY) {
  context.beginPath();
  let isDrawing = false;
  for (let i = 0; i < line.x.length; i += 1) {
    const px = line.x[i] === null ? NaN : toX(line.x[i]);
    const py = line.y[i] === null ? NaN : toY(line.y[i]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) { isDrawing = false; continue; }
    if (isDrawing) context.lineTo(px, py); else context.moveTo(px, py);
    if (line.x.length === 1) context.arc(px, py, 2.5, 0, 2 * Math.PI);
    isDrawing = true;
  }
  context.strokeStyle = line.color;
  context.globalAlpha = line.opacity ?? 1;
  context.lineWidth = line.width || 1.6;
  context.setLineDash(DASHES[line.dash || "solid"] || []);
  context.stroke();
  context.globalAlpha = 1;
}

function lineColumns(spec, key) {
  return [...spec.lines.map((line) => line[key]), ...spec.bands.flatMap((band) => (key === "x" ? [band.x] : [band.lower, band.upper]))];
}

const pending = new Map(); // view -> {spec, opacities, resolves}

function drawPending() {
  const jobs = [...pending];
  pending.clear();
  const widths = jobs.map(([view]) => view.width());
  jobs.forEach(([view, job], i) => {
    const drawn = view.draw(widths[i], job.spec, job.opacities);
    for (const resolve of job.resolves) resolve(drawn);
  });
}

export function createCanvasView(plot, { height, margin }) {
  const canvas = el("canvas", { className: "series-canvas", attrs: { "aria-hidden": "true" } });
  Object.assign(canvas.style, { position: "absolute", left: "0", top: "0", width: "100%", height: `${height}px` });
  plot.style.position = "relative";
  plot.style.height = `${height}px`;
  plot.append(canvas);
  let last = null;
  let drawnWidth = 0;
  let frame = null;
  let zoomed = {}; // ranges chosen by a drag on the canvas (lib/series_canvas_zoom.js)
  // Drawn again when the plot's width changes (not on the first report after observe).
  const resizes = new ResizeObserver(() => { if (last && plot.clientWidth !== drawnWidth) render(...last); });
  resizes.observe(plot);

  const view = { width: () => plot.clientWidth, draw };

  /** Draws the spec at the end of this task; resolves to what was drawn (null: no width). */
  function render(spec, opacities) {
    last = [spec, opacities];
    if (!pending.size) queueMicrotask(drawPending);
    const job = pending.get(view) || { resolves: [] };
    pending.set(view, { ...job, spec, opacities });
    return new Promise((resolve) => job.resolves.push(resolve));
  }

  function draw(width, spec, opacities) {
    drawnWidth = width;
    if (!width) return null;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    context.font = `12px ${FONT_FAMILY}`;

    const isLinesOnly = spec.lines.every((line) => line.x.length !== 1);
    const xRange = zoomed.x || rangeOf(spec.xAxis, lineColumns(spec, "x"), !isLinesOnly);
    const yRange = zoomed.y || rangeOf(spec.yAxis, lineColumns(spec, "y"), true);
    const yTicksFirst = axisTicks(spec.yAxis, yRange, height - margin.t - margin.b, 40, "e");
    // automargin: the left margin grows to fit the y labels, the bottom one the x labels.
    const labelWidth = Math.max(0, ...yTicksFirst.labels.map(([text]) => context.measureText(text).width));
    const left = Math.max(margin.l, Math.ceil(labelWidth + 4 + (spec.yAxis.title ? 20 : 0)));
    let plotWidth = Math.max(10, width - left - margin.r);
    let xTicks = axisTicks(spec.xAxis, xRange, plotWidth, 80, "B");
    // A label at the right end that would overflow the right margin pushes it, as
    // Plotly's automargin does (its label box reaches ~10 px past the text).
    const overflow = Math.max(...xTicks.values.map((v, i) => ((v - xRange[0]) / (xRange[1] - xRange[0])) * plotWidth
      + Math.max(...xTicks.labels[i].map((text) => context.measureText(text).width)) / 2 - plotWidth));
    if (overflow + 10 > margin.r) {
      plotWidth = Math.max(10, width - left - Math.ceil(overflow + 10));
      xTicks = axisTicks(spec.xAxis, xRange, plotWidth, 80, "B");
    }
    const lines = Math.max(1, ...xTicks.labels.map((label) => label.length));
    const bottom = Math.max(margin.b, 3 + 14 * lines + (spec.xAxis.title ? 22 : 0));
    const plotHeight = Math.max(10, height - margin.t - bottom);
    const yTicks = plotHeight === height - margin.t - margin.b ? yTicksFirst : axisTicks(spec.yAxis, yRange, plotHeight, 40, "e");
    const box = { left, top: margin.t, width: plotWidth, height: plotHeight };
    frame = { box, x: { type: spec.xAxis.type || "linear", range: xRange }, y: { type: spec.yAxis.type || "linear", range: yRange } };
    const toPxX = (v) => box.left + ((v - xRange[0]) / (xRange[1] - xRange[0])) * box.width;
    const toPxY = (v) => box.top + box.height - ((v - yRange[0]) / (yRange[1] - yRange[0])) * box.height;

    context.strokeStyle = GRID_COLOR;
    context.lineWidth = 1;
    context.beginPath();
    for (const v of xTicks.values) { const px = Math.round(toPxX(v)) + 0.5; context.moveTo(px, box.top); context.lineTo(px, box.top + box.height); }
    for (const v of yTicks.values) { const py = Math.round(toPxY(v)) + 0.5; context.moveTo(box.left, py); context.lineTo(box.left + box.width, py); }
    context.stroke();

    context.fillStyle = TEXT_COLOR;
    context.textAlign = "center";
    context.textBaseline = "alphabetic";
    xTicks.values.forEach((v, i) => xTicks.labels[i].forEach((text, row) => context.fillText(text, toPxX(v), box.top + box.height + 13 + 15.6 * row)));
    context.textAlign = "right";
    yTicks.values.forEach((v, i) => context.fillText(yTicks.labels[i][0], box.left - 2, toPxY(v) + 4.5));
    context.font = `11px ${FONT_FAMILY}`;
    context.textAlign = "center";
    context.textBaseline = "alphabetic";
    // Under the labels, where Plotly puts it once its automargin made room.
    if (spec.xAxis.title) context.fillText(spec.xAxis.title, box.left + box.width / 2, box.top + box.height + 41 + lines);
    if (spec.yAxis.title) {
      context.save();
      context.translate(12, box.top + box.height / 2);
      context.rotate(-Math.PI / 2);
      context.fillText(spec.yAxis.title, 0, 0);
      context.restore();
    }

    context.save();
    context.beginPath();
    context.rect(box.left, box.top, box.width, box.height);
    context.clip();
    const toX = dataOf(spec.xAxis);
    const toY = dataOf(spec.yAxis);
    const pxX = (value) => toPxX(toX(value));
    const pxY = (value) => toPxY(toY(value));
    for (const band of spec.bands) {
      context.beginPath();
      const xs = [...band.x, ...band.x.slice().reverse()];
      const ys = [...band.upper, ...band.lower.slice().reverse()];
      xs.forEach((x, i) => { if (i) context.lineTo(pxX(x), pxY(ys[i])); else context.moveTo(pxX(x), pxY(ys[i])); });
      context.fillStyle = `${band.color}33`;
      context.fill();
    }
    spec.lines.forEach((line, i) => strokeLine(context, { ...line, opacity: opacities[i] }, pxX, pxY));
    context.restore();
    return { box, xLabels: xTicks.labels.map((label) => label.join(" ")), yLabels: yTicks.labels.map(([text]) => text) };
  }

  return {
    element: canvas,
    render,
    get frame() { return frame; },
    zoom(ranges) {
      zoomed = ranges ? { ...zoomed, ...ranges } : {};
      if (last) render(...last);
    },
    remove() {
      for (const resolve of pending.get(view)?.resolves || []) resolve(null);
      pending.delete(view);
      resizes.disconnect();
      canvas.remove();
      plot.style.position = "";
      plot.style.height = "";
    },
  };
}
