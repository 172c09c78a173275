// The canvas renderer of lib/series_chart.js. A chart's first paint can be drawn here,
// on a 2-D canvas, without Plotly: the run page draws its first screen this way and
// Plotly takes over on interaction (issue 17). So that the take-over shows no jump, the
// canvas lays a spec out as Plotly does with series_chart's layout: the same margins,
// autorange (x tight to the lines, y padded by 5% of the axis length), tick spacing
// (1/2/5 steps, or calendar steps on a date axis), tick labels (exponents, SI suffixes,
// date heads), grid, fonts and colours. It also strokes the highlight overlay's lines.
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
import { MIN_LOG_VALUE } from "./series_math.js";

const FONT_FAMILY = '"Open Sans", verdana, arial, sans-serif';
const TEXT_COLOR = "#444";
const GRID_COLOR = "#eee";
const MINUS = "\u2212";
const SI_PREFIXES = ["f", "p", "n", "μ", "m", "", "k", "M", "G", "T"];
// setLineDash patterns for Plotly's dash names.
const DASHES = { solid: [], dash: [6, 4], dot: [2, 3], dashdot: [6, 3, 2, 3], longdash: [12, 4], longdashdot: [12, 4, 2, 4] };
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

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

// Date values as Plotly counts them: the local wall time's milliseconds, as if UTC,
// so ticks fall on local minutes, hours and days and read with UTC getters.
const localMs = (value) => {
  const date = value instanceof Date ? value : new Date(value);
  return date.getTime() - date.getTimezoneOffset() * MINUTE;
};

function dataOf(axis) {
  if (axis.type === "date") return (value) => (value === null || value === undefined ? NaN : localMs(value));
  if (axis.type === "log") return (value) => (value === null ? NaN : Math.log10(Math.max(value, MIN_LOG_VALUE)));
  return (value) => (value === null ? NaN : Number(value));
}

function extent(columns, toData) {
  let low = Infinity;
  let high = -Infinity;
  for (const column of columns) {
    for (const value of column) {
      const v = toData(value);
      if (Number.isFinite(v)) { if (v < low) low = v; if (v > high) high = v; }
    }
  }
  return low <= high ? [low, high] : null;
}

/** Plotly's autorange: tight, or padded by 5% of the axis length at each end. */
function autorange(columns, toData, isPadded) {
  const found = extent(columns, toData);
  if (!found) return [-1, 6];
  const [low, high] = found;
  if (low === high) return [low - 1, high + 1];
  const pad = isPadded ? (high - low) / 18 : 0;
  return [low - pad, high + pad];
}

function rangeOf(axis, columns, isPadded) {
  if (!axis.range) return autorange(columns, dataOf(axis), isPadded);
  const toData = dataOf(axis);
  return axis.range.map(toData);
}

const firstAbove = (value, choices) => choices.find((choice) => choice > value) ?? choices[choices.length - 1];

function linearTicks(range, length, minPixels) {
  const count = Math.min(Math.max(length / minPixels, 4), 9) + 1;
  const rough = Math.abs(range[1] - range[0]) / count;
  const base = 10 ** Math.floor(Math.log10(rough));
  const step = base * firstAbove(rough / base, [2, 5, 10]);
  return { step, values: stepsBetween(range, step, 0) };
}

function stepsBetween([low, high], step, origin) {
  const values = [];
  const first = origin + Math.ceil((low - origin) / step - 1e-9) * step;
  for (let value = first; value <= high + step * 1e-9; value += step) values.push(value);
  return values;
}

/** Plotly's linear tick labels ("B" = SI suffixes past 10^3, "e" = 1.5e+4). */
function linearLabels(values, step, range, exponentFormat, suffix) {
  let round = 2 - Math.floor(Math.log10(step) + 0.01);
  const biggest = Math.max(Math.abs(range[0]), Math.abs(range[1]));
  const rangeExponent = Math.floor(Math.log10(biggest) + 0.01);
  let exponent = 0;
  if (Math.abs(rangeExponent) > 3) {
    const isSI = exponentFormat === "B" && rangeExponent > -16 && rangeExponent < 16;
    exponent = isSI ? 3 * Math.round((rangeExponent - 1) / 3) : rangeExponent;
  }
  round += exponent;
  return values.map((value) => {
    if (Math.abs(value / step) < 1e-6) return `0${suffix}`;
    const magnitude = Math.abs(value) * 10 ** -exponent;
    let text = round <= 0 ? String(Math.round(magnitude)) : magnitude.toFixed(round).replace(/\.?0+$/, "");
    const [whole, fraction] = text.split(".");
    if (whole.length > 4) text = whole.replace(/\B(?=(\d{3})+$)/g, ",") + (fraction ? `.${fraction}` : "");
    if (exponent) {
      if (exponentFormat === "B" && Math.abs(exponent) < 16) text += exponent === 9 ? "B" : SI_PREFIXES[exponent / 3 + 5];
      else text += `e${exponent < 0 ? MINUS + -exponent : `+${exponent}`}`;
    }
    return `${value < 0 ? MINUS : ""}${text}${suffix}`;
  });
}

const pad2 = (n) => String(n).padStart(2, "0");

function dateTicks(range, length) {
  const count = Math.min(Math.max(length / 80, 4), 9) + 1;
  const rough = Math.abs(range[1] - range[0]) / count;
  let step;
  let round;
  if (2 * rough > 30 * DAY) {
    const months = 2 * rough > 365 * DAY ? 12 * Math.max(1, Math.round(rough / (365 * DAY))) : firstAbove(rough / (30.4 * DAY), [1, 2, 3, 6, 12]);
    const values = [];
    const start = new Date(range[0]);
    let year = start.getUTCFullYear();
    let month = Math.ceil((start.getUTCMonth() + (start.getUTCDate() > 1 ? 1 : 0)) / months) * months;
    for (;;) {
      const value = Date.UTC(year, month, 1);
      if (value > range[1]) break;
      values.push(value);
      month += months;
      if (month >= 12) { year += Math.floor(month / 12); month %= 12; }
    }
    return { values, round: months % 12 === 0 ? "y" : "m" };
  }
  if (2 * rough > DAY) { step = DAY * firstAbove(rough / DAY, [1, 2, 3, 7, 14]); round = "d"; }
  else if (2 * rough > HOUR) { step = HOUR * firstAbove(rough / HOUR, [1, 2, 3, 6, 12]); round = "M"; }
  else if (2 * rough > MINUTE) { step = MINUTE * firstAbove(rough / MINUTE, [1, 2, 5, 10, 15, 30]); round = "M"; }
  else { step = SECOND * firstAbove(rough / SECOND, [1, 2, 5, 10, 15, 30]); round = "S"; }
  // Week steps start on a Sunday (2000-01-02), as Plotly's do.
  return { values: stepsBetween(range, step, step >= 7 * DAY ? Date.UTC(2000, 0, 2) : 0), round };
}

/** Each date tick's label lines: the time or day, and a head line (the date, or the
 *  year) on the first tick and wherever the head changes, as Plotly shows them. */
function dateLabels(values, round) {
  let lastHead = null;
  return values.map((value) => {
    const date = new Date(value);
    const day = `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
    let text;
    let head = null;
    if (round === "y") text = String(date.getUTCFullYear());
    else if (round === "m") text = `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
    else if (round === "d") { text = day; head = String(date.getUTCFullYear()); }
    else {
      text = `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}`;
      if (round === "S") text += `:${pad2(date.getUTCSeconds())}`;
      head = `${day}, ${date.getUTCFullYear()}`;
    }
    if (head === null || head === lastHead) return [text];
    lastHead = head;
    return [text, head];
  });
}

function axisTicks(axis, range, length, minPixels, exponentFormat) {
  if (axis.type === "date") {
    const { values, round } = dateTicks(range, length);
    return { values, labels: dateLabels(values, round) };
  }
  if (axis.type === "log") {
    // Whole powers of ten, labelled as the linear axis would label each alone.
    const values = stepsBetween(range, Math.max(1, Math.round(linearTicks(range, length, minPixels).step)), 0);
    const label = (power) => linearLabels([10 ** power], 10 ** power, [0, 10 ** power], exponentFormat, axis.suffix || "");
    return { values, labels: values.map(label) };
  }
  const { step, values } = linearTicks(range, length, minPixels);
  return { values, labels: linearLabels(values, step, range, exponentFormat, axis.suffix || "").map((text) => [text]) };
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
