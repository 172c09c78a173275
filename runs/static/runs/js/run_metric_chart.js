// The run page's chart (Metrics and System tabs): an adapter that turns the points API's
// columns {steps, values, epochs, times} into lines for lib/series_chart.js. A chart
// holds one series, or several (the contexts of one metric overlaid, each its colour).
// The raw line stays, faded, under the smoothed one; smoothing is TensorBoard's debiased
// EMA (lib/series_math.js), the one the run page has always shown.
//
//   const chart = createMetricChart(container, { xAxis: "step", smoothing: 0, timeOrigin, unit: "%",
//                                                firstPaint: "canvas" });  // see lib/series_chart.js
//   chart.setData(points, id?, { color }); // replace the points of series `id` (default: the one)
//   chart.append(points, id?);     // add newer points (live), drawn without a full redraw
//   chart.pointCountOf(id?); chart.lastStepOf(id?);  // also chart.pointCount, chart.lastStep
//   chart.setXAxis("step" | "epoch" | "time" | "wall");  // time = seconds since timeOrigin
//   chart.setSmoothing(0.6); // EMA weight 0..0.99
//   chart.takeOver();        // a canvas-drawn chart is drawn by Plotly from now on
//   chart.destroy();
import { createSeriesChart } from "../../js/lib/series_chart.js";
import { ema } from "../../js/lib/series_math.js";
import { formatWithUnit } from "../../js/lib/format.js";

export const LINE_COLORS = ["#1473e6", "#e8590c", "#2b8a3e", "#ae3ec9", "#c92a2a", "#0b7285", "#5c940d", "#862e9c"];
const ONE = "series";
const X_TITLES = { step: "step", epoch: "epoch", time: "relative time (s)", wall: "time" };
// A loaded chart holds at most 2,000 downsampled points a series, twice that with the
// smoothed line: drawn with SVG, a run page of dozens of charts takes no WebGL context.
// Only a chart grown past that by live points (or overlaid series) switches to WebGL.
const SVG_MAX_POINTS = 4000;
const TIME_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
});
const HOVER = "step %{customdata[0]}<br>value %{customdata[3]}<br>epoch %{customdata[1]}<br>%{customdata[2]}";

function isoTime(seconds) {
  return seconds == null ? "—" : TIME_FORMAT.format(new Date(seconds * 1000));
}

function copyColumns(points) {
  return { steps: [...points.steps], values: [...points.values], epochs: [...points.epochs], times: [...points.times] };
}

export function createMetricChart(container, options = {}) {
  const state = {
    series: new Map(), // id -> {points, color}
    xAxis: options.xAxis || "step",
    smoothing: options.smoothing || 0,
    timeOrigin: options.timeOrigin ?? null,
    unit: options.unit || "",
  };
  const chart = createSeriesChart(container, {
    height: options.height || 260, svgMaxPoints: SVG_MAX_POINTS, imageButton: true, firstPaint: options.firstPaint,
  });
  const allPoints = () => [...state.series.values()].map((item) => item.points);

  function origin() {
    if (state.timeOrigin != null) return state.timeOrigin;
    for (const points of allPoints()) {
      const first = points.times.find((t) => t != null);
      if (first != null) return first;
    }
    return 0;
  }

  // Series logged without epochs (or wall times) fall back to steps rather than
  // drawing an empty chart.
  function axis() {
    const has = (column) => allPoints().some((points) => points[column].some((v) => v != null));
    if (state.xAxis === "epoch" && !has("epochs")) return "step";
    if ((state.xAxis === "time" || state.xAxis === "wall") && !has("times")) return "step";
    return state.xAxis;
  }

  function axisTitle() {
    const shown = axis();
    return shown === state.xAxis ? X_TITLES[shown] : `${X_TITLES[shown]} (no ${state.xAxis === "epoch" ? "epochs" : "times"} recorded)`;
  }

  /** x, raw and smoothed y and hover data of one series' points from index `from` on.
   *  The hover data is built only when Plotly draws (a canvas first paint needs none). */
  function columnsFrom(points, from) {
    const { steps, values, epochs, times } = points;
    const shown = axis();
    const start = origin();
    const xOf = (i) => {
      if (shown === "epoch") return epochs[i];
      if (shown === "wall") return times[i] == null ? null : new Date(times[i] * 1000);
      if (shown === "time") return times[i] == null ? null : Math.round((times[i] - start) * 1000) / 1000;
      return steps[i];
    };
    const indices = steps.map((_, i) => i).slice(from);
    // The EMA of earlier points does not depend on later ones, so a tail of the
    // whole series' EMA is what the appended part of the smoothed line needs.
    const smoothed = state.smoothing ? ema(values, state.smoothing, { debias: true }).slice(from) : null;
    let hover = null; // shared by the raw and the smoothed line
    return {
      x: indices.map(xOf),
      y: indices.map((i) => values[i]),
      smoothed,
      customdata: () => (hover ??= indices.map((i) => [steps[i], epochs[i] ?? "—", isoTime(times[i]), values[i] == null ? "NaN" : formatWithUnit(values[i], state.unit)])),
    };
  }

  function lines() {
    return [...state.series].flatMap(([id, { points, color }]) => {
      const { x, y, smoothed, customdata } = columnsFrom(points, 0);
      const raw = { id: `${id}:raw`, x, y, customdata, color, width: 1.5, hover: `${HOVER}<extra></extra>` };
      if (!smoothed) return [raw];
      return [
        { ...raw, opacity: 0.25, hover: "skip" },
        { id: `${id}:smoothed`, x, y: smoothed, customdata, color, width: 2, hover: `${HOVER}<br>smoothed %{y:.5g}<extra></extra>` },
      ];
    });
  }

  function draw() {
    const xType = axis() === "wall" ? "date" : "linear";
    return chart.draw({
      lines: lines(),
      xAxis: { title: axisTitle(), type: xType },
      yAxis: { suffix: state.unit ? ` ${state.unit}` : undefined },
      revision: state.xAxis,
    });
  }

  const pointsOf = (id = ONE) => state.series.get(id)?.points;

  return {
    element: chart.element,
    pointCountOf(id = ONE) {
      return pointsOf(id)?.steps.length ?? 0;
    },
    lastStepOf(id = ONE) {
      const steps = pointsOf(id)?.steps || [];
      return steps.length ? steps[steps.length - 1] : null;
    },
    get pointCount() {
      return [...state.series.values()].reduce((total, item) => total + item.points.steps.length, 0);
    },
    get lastStep() {
      return this.lastStepOf();
    },
    setData(points, id = ONE, { color } = {}) {
      const known = state.series.get(id);
      state.series.set(id, { points: copyColumns(points), color: color || known?.color || LINE_COLORS[state.series.size % LINE_COLORS.length] });
      return draw();
    },
    append(points, id = ONE) {
      const item = state.series.get(id);
      if (!item) return this.setData(points, id);
      const from = item.points.steps.length;
      const shownBefore = axis();
      for (const key of ["steps", "values", "epochs", "times"]) item.points[key].push(...points[key]);
      // The first epochs or times of a series change its axis: draw it again.
      if (axis() !== shownBefore || from === 0) return draw();
      const { x, y, smoothed, customdata } = columnsFrom(item.points, from);
      const tails = [{ id: `${id}:raw`, x, y, customdata }];
      if (smoothed) tails.push({ id: `${id}:smoothed`, x, y: smoothed, customdata });
      return chart.extend(tails);
    },
    setXAxis(mode) {
      state.xAxis = mode;
      return draw();
    },
    setSmoothing(weight) {
      state.smoothing = Number(weight) || 0;
      return draw();
    },
    takeOver() {
      return chart.takeOver();
    },
    destroy() {
      chart.destroy();
    },
  };
}
