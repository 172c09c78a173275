// The one metric chart component (Plotly, loaded as a classic script before any module
// that uses this). Draws one series given as columns {steps, values, epochs, times},
// as the points API returns them. Used by the run page's Metrics and System tabs.
//
//   const chart = createMetricChart(container, { title, subtitle, xAxis: "step", smoothing: 0 });
//   chart.setData(points);   // replace all points
//   chart.append(points);    // add newer points (live)
//   chart.setXAxis("step" | "epoch" | "time");   // time = seconds since timeOrigin
//   chart.setSmoothing(0.6); // EMA weight 0..0.99; the raw line stays, faded
//   chart.destroy();
//
// Long series are drawn with WebGL (scattergl); short ones with SVG, because browsers
// allow only a handful of WebGL contexts per page and a page may hold dozens of charts.
import { el } from "./dom.js";

const WEBGL_THRESHOLD = 2000;
const LINE_COLOR = "#1473e6";
const X_TITLES = { step: "step", epoch: "epoch", time: "relative time (s)" };

function plotly() {
  if (!window.Plotly) throw new Error("Plotly is not loaded: include vendor/plotly/plotly.min.js first");
  return window.Plotly;
}

/** Exponential moving average, debiased like TensorBoard's; null values stay null. */
export function smooth(values, weight) {
  if (!weight) return values;
  const out = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (value === null || !Number.isFinite(value)) {
      out[i] = null;
      continue;
    }
    last = last * weight + (1 - weight) * value;
    count += 1;
    out[i] = last / (1 - weight ** count);
  }
  return out;
}

function emptyPoints() {
  return { steps: [], values: [], epochs: [], times: [] };
}

function isoTime(seconds) {
  return seconds == null ? "—" : new Date(seconds * 1000).toLocaleString();
}

export function createMetricChart(container, options = {}) {
  const state = {
    points: emptyPoints(),
    xAxis: options.xAxis || "step",
    smoothing: options.smoothing || 0,
    timeOrigin: options.timeOrigin ?? null,
  };
  const plot = el("div", "metric-plot");
  container.append(plot);

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

  function xValues() {
    const { steps, epochs, times } = state.points;
    if (axis() === "epoch") return epochs;
    if (axis() === "time") {
      const start = origin();
      return times.map((t) => (t == null ? null : Math.round((t - start) * 1000) / 1000));
    }
    return steps;
  }

  function traces() {
    const { steps, values, epochs, times } = state.points;
    const type = values.length > WEBGL_THRESHOLD ? "scattergl" : "scatter";
    const x = xValues();
    const customdata = steps.map((step, i) => [step, epochs[i] ?? "—", isoTime(times[i]), values[i] ?? "NaN"]);
    const hovertemplate =
      "step %{customdata[0]}<br>value %{customdata[3]}<br>epoch %{customdata[1]}<br>%{customdata[2]}<extra></extra>";
    const raw = {
      type, mode: values.length === 1 ? "markers" : "lines", x, y: values, customdata, hovertemplate,
      line: { color: LINE_COLOR, width: 1.5 }, marker: { color: LINE_COLOR }, name: "value",
    };
    if (!state.smoothing) return [raw];
    raw.opacity = 0.25;
    raw.hoverinfo = "skip";
    delete raw.hovertemplate;
    const smoothed = {
      type, mode: "lines", x, y: smooth(values, state.smoothing), customdata, name: "smoothed",
      hovertemplate: `${hovertemplate.replace("<extra>", "<br>smoothed %{y:.5g}<extra>")}`,
      line: { color: LINE_COLOR, width: 2 },
    };
    return [raw, smoothed];
  }

  function axisTitle() {
    const shown = axis();
    return shown === state.xAxis ? X_TITLES[shown] : `${X_TITLES[shown]} (no ${state.xAxis === "epoch" ? "epochs" : "times"} recorded)`;
  }

  function layout() {
    return {
      height: options.height || 260,
      margin: { l: 56, r: 16, t: 8, b: 40 },
      showlegend: false,
      hovermode: "closest",
      xaxis: { title: { text: axisTitle(), font: { size: 11 } }, zeroline: false, automargin: true },
      yaxis: { zeroline: false, automargin: true, exponentformat: "e" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      uirevision: state.xAxis,
    };
  }

  function draw() {
    plotly().react(plot, traces(), layout(), { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] });
  }

  return {
    element: plot,
    get pointCount() {
      return state.points.steps.length;
    },
    get lastStep() {
      const steps = state.points.steps;
      return steps.length ? steps[steps.length - 1] : null;
    },
    setData(points) {
      state.points = {
        steps: [...points.steps], values: [...points.values],
        epochs: [...points.epochs], times: [...points.times],
      };
      draw();
    },
    append(points) {
      for (const key of ["steps", "values", "epochs", "times"]) state.points[key].push(...points[key]);
      draw();
    },
    setXAxis(mode) {
      state.xAxis = mode;
      draw();
    },
    setSmoothing(weight) {
      state.smoothing = Number(weight) || 0;
      draw();
    },
    destroy() {
      plotly().purge(plot);
      plot.remove();
    },
  };
}
