// The highlight of lib/series_chart.js's merged drawing (past 40 WebGL lines, lines of
// one style share a trace, lib/series_traces.js): the plot's WebGL layer is faded with
// CSS and the chosen lines are stroked on a 2-D canvas over the plot area, with the
// axes' own scales (lib/series_canvas.js's strokeLine). No Plotly call: a restyle
// would redraw 400k points per highlight, seconds without a GPU.
//
//   const overlay = createHighlightOverlay(plot, fadedOpacity);  // plot: Plotly's element
//   overlay.draw(chosenLines, isLogY);  // none: the plot unfaded and the canvas hidden
//   overlay.clear();                    // before Plotly draws the plot again
//
// The plot's data-highlighted says how many lines are drawn over it (tests read it).
import { el } from "./dom.js";
import { MIN_LOG_VALUE } from "./series_math.js";
import { strokeLine } from "./series_canvas.js";

export function createHighlightOverlay(plot, fadedOpacity) {
  let canvas = null;

  function draw(chosen, isLogY) {
    const glLayers = plot.querySelectorAll(".gl-canvas");
    glLayers.forEach((layer) => { layer.style.opacity = chosen.length ? String(fadedOpacity) : ""; });
    plot.dataset.highlighted = String(chosen.length);
    const full = plot._fullLayout;
    if (!chosen.length || !full) {
      if (canvas) canvas.hidden = true;
      return;
    }
    if (!canvas || !canvas.isConnected) {
      canvas = el("canvas", { className: "series-highlight", attrs: { "aria-hidden": "true" } });
      Object.assign(canvas.style, { position: "absolute", pointerEvents: "none" });
      (plot.querySelector(".svg-container") || plot).append(canvas);
    }
    const { l, t, w, h } = full._size;
    const ratio = window.devicePixelRatio || 1;
    Object.assign(canvas.style, { left: `${l}px`, top: `${t}px`, width: `${w}px`, height: `${h}px` });
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    canvas.hidden = false;
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, w, h);
    const { xaxis, yaxis } = full;
    const toY = (y) => (Number.isFinite(y) ? yaxis.c2p(isLogY ? Math.max(y, MIN_LOG_VALUE) : y) : NaN);
    for (const line of chosen) strokeLine(context, line, (x) => xaxis.c2p(x), toY);
  }

  function clear() {
    plot.querySelectorAll(".gl-canvas").forEach((layer) => { layer.style.opacity = ""; });
    if (canvas) canvas.hidden = true;
    delete plot.dataset.highlighted;
  }

  return { draw, clear };
}
