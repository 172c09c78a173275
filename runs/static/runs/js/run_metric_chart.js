// The run page's chart of one series (Metrics and System tabs): an adapter that turns the
// points API's columns {steps, values, epochs, times} into lines for lib/series_chart.js.
// The raw line stays, faded, under the smoothed one; smoothing is TensorBoard's debiased
// EMA (lib/series_math.js), the one the run page has always shown.
//
//   const chart = createMetricChart(container, { xAxis: "step", smoothing: 0, timeOrigin });
//   chart.setData(points);   // replace all points
//   chart.append(points);    // add newer points (live), drawn without a full redraw
//   chart.setXAxis("step" | "epoch" | "time");   // time = seconds since timeOrigin
//   chart.setSmoothing(0.6); // EMA weight 0..0.99
//   chart.destroy();
import { createSeriesChart } from "../../js/lib/series_chart.js";
import { ema } from "../../js/lib/series_math.js";

const LINE_COLOR = "#1473e6";
const X_TITLES = { step: "step", epoch: "epoch", time: "relative time (s)" };
// A loaded chart holds at most 2,000 downsampled points, twice that with the smoothed
// line: drawn with SVG, a run page of dozens of charts takes no WebGL context. Only a
// series grown past that by live points switches to WebGL.
const SVG_MAX_POINTS = 4000;
const HOVER = "step %{customdata[0]}<br>value %{customdata[3]}<br>epoch %{customdata[1]}<br>%{customdata[2]}";

function isoTime(seconds) {
  return seconds == null ? "—" : new Date(seconds * 1000).toLocaleString();
}

function copyColumns(points) {
  return { steps: [...points.steps], values: [...points.values], epochs: [...points.epochs], times: [...points.times] };
}

export function createMetricChart(container, options = {}) {
  const state = {
    points: copyColumns({ steps: [], values: [], epochs: [], times: [] }),
    xAxis: options.xAxis || "step",
    smoothing: options.smoothing || 0,
    timeOrigin: options.timeOrigin ?? null,
  };
  const chart = createSeriesChart(container, { height: options.height || 260, svgMaxPoints: SVG_MAX_POINTS, imageButton: true });

  function origin() {
    if (state.timeOrigin != null) return state.timeOrigin;
    return state.points.times.find((t) => t != null) ?? 0;
  }

  // A series logged without epochs (or wall times) falls back to steps rather
  // than drawing an empty chart.
  function axis() {
    const { epochs, times } = state.points;
    if (state.xAxis === "epoch" && !epochs.some((e) => e != null)) return "step";
    if (state.xAxis === "time" && !times.some((t) => t != null)) return "step";
    return state.xAxis;
  }

  function axisTitle() {
    const shown = axis();
    return shown === state.xAxis ? X_TITLES[shown] : `${X_TITLES[shown]} (no ${state.xAxis === "epoch" ? "epochs" : "times"} recorded)`;
  }

  /** x, raw and smoothed y and hover data of the points from index `from` on. */
  function columnsFrom(from) {
    const { steps, values, epochs, times } = state.points;
    const shown = axis();
    const start = origin();
    const xOf = (i) => {
      if (shown === "epoch") return epochs[i];
      if (shown === "time") return times[i] == null ? null : Math.round((times[i] - start) * 1000) / 1000;
      return steps[i];
    };
    const indices = steps.map((_, i) => i).slice(from);
    // The EMA of earlier points does not depend on later ones, so a tail of the
    // whole series' EMA is what the appended part of the smoothed line needs.
    const smoothed = state.smoothing ? ema(values, state.smoothing, { debias: true }).slice(from) : null;
    return {
      x: indices.map(xOf),
      y: indices.map((i) => values[i]),
      smoothed,
      customdata: indices.map((i) => [steps[i], epochs[i] ?? "—", isoTime(times[i]), values[i] ?? "NaN"]),
    };
  }

  function lines() {
    const { x, y, smoothed, customdata } = columnsFrom(0);
    const raw = { id: "raw", x, y, customdata, color: LINE_COLOR, width: 1.5, hover: `${HOVER}<extra></extra>` };
    if (!smoothed) return [raw];
    return [
      { ...raw, opacity: 0.25, hover: "skip" },
      { id: "smoothed", x, y: smoothed, customdata, color: LINE_COLOR, width: 2, hover: `${HOVER}<br>smoothed %{y:.5g}<extra></extra>` },
    ];
  }

  function draw() {
    return chart.draw({ lines: lines(), xAxis: { title: axisTitle() }, revision: state.xAxis });
  }

  return {
    element: chart.element,
    get pointCount() {
      return state.points.steps.length;
    },
    get lastStep() {
      const steps = state.points.steps;
      return steps.length ? steps[steps.length - 1] : null;
    },
    setData(points) {
      state.points = copyColumns(points);
      return draw();
    },
    append(points) {
      const from = state.points.steps.length;
      const shownBefore = axis();
      for (const key of ["steps", "values", "epochs", "times"]) state.points[key].push(...points[key]);
      // The first epochs or times of a series change its axis: draw it again.
      if (axis() !== shownBefore || from === 0) return draw();
      const { x, y, smoothed, customdata } = columnsFrom(from);
      const tails = [{ id: "raw", x, y, customdata }];
      if (smoothed) tails.push({ id: "smoothed", x, y: smoothed, customdata });
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
    destroy() {
      chart.destroy();
    },
  };
}
