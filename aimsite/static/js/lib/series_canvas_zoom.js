// Drag-to-zoom on a chart still drawn on its canvas (lib/series_chart.js, firstPaint
// "canvas"), so that a zoom dragged before Plotly has drawn is not lost. It follows
// Plotly's dragmode "zoom" (plots/cartesian/dragbox.js): past 8 px a box follows the
// pointer, the plot area outside it veiled and its corners marked as Plotly draws them;
// a drag mostly along one axis zooms that axis only, a shorter one nothing. On release
// the canvas shows the chosen range at once, and Plotly gets it as its own zoom gives
// it (a relayout of axis ranges, which uirevision keeps) once it has drawn, or at once
// if it already has. A double-click goes back to the first view, as Plotly's does.
//
//   const zoom = createCanvasZoom(plot, view);  // view: lib/series_canvas.js's
//   await zoom.handOver(Plotly);  // after Plotly's first draw: the chosen range applies
//   await zoom.idle();            // resolves once no drag is under way
//   zoom.forget();                // a new revision: the chosen range no longer applies
//   zoom.remove();
const MINDRAG = 8; // Plotly's (plots/cartesian/constants.js)
const MINZOOM = 20;
const SVG = "http://www.w3.org/2000/svg";
// Plotly veils with white on a transparent plot background (ours), black on a light one.
const VEIL = "rgba(255,255,255,0.3)";

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/** Plotly's corner marks of a zoom box (dragbox.js xCorners, yCorners, xyCorners). */
function cornersPath(mode, box, x0, y0) {
  const span = 2 * MINZOOM + 1;
  if (mode === "x") {
    return `M${box.l - 0.5},${y0 - MINZOOM - 0.5}h-3v${span}h3Z`
      + `M${box.r + 0.5},${y0 - MINZOOM - 0.5}h3v${span}h-3Z`;
  }
  if (mode === "y") {
    return `M${x0 - MINZOOM - 0.5},${box.t - 0.5}v-3h${span}v3Z`
      + `M${x0 - MINZOOM - 0.5},${box.b + 0.5}v3h${span}v-3Z`;
  }
  if (mode !== "xy") return "M0,0Z";
  const c = Math.floor(Math.min(box.b - box.t, box.r - box.l, MINZOOM) / 2);
  return `M${box.l - 3.5},${box.t - 0.5 + c}h3v${-c}h${c}v-3h-${c + 3}Z`
    + `M${box.r + 3.5},${box.t - 0.5 + c}h-3v${-c}h${-c}v-3h${c + 3}Z`
    + `M${box.r + 3.5},${box.b + 0.5 - c}h-3v${c}h${-c}v3h${c + 3}Z`
    + `M${box.l - 3.5},${box.b + 0.5 - c}h3v${c}h${c}v3h-${c + 3}Z`;
}

/** The box and mode of a drag from (x0, y0) by (dx, dy), in plot-area pixels: Plotly's
 *  zoomMove for a plot whose axes both zoom. */
function zoomBox(x0, y0, dx, dy, width, height) {
  const x1 = Math.max(0, Math.min(width, x0 + dx));
  const y1 = Math.max(0, Math.min(height, y0 + dy));
  const box = { l: Math.min(x0, x1), r: Math.max(x0, x1), t: Math.min(y0, y1), b: Math.max(y0, y1) };
  const across = box.r - box.l;
  const down = box.b - box.t;
  if (down < Math.min(Math.max(across * 0.6, MINDRAG), MINZOOM)) {
    if (across < MINDRAG) return { mode: "", box: { l: box.l, r: box.l, t: box.b, b: box.b } };
    return { mode: "x", box: { ...box, t: 0, b: height } };
  }
  if (across < Math.min(down * 0.6, MINZOOM)) return { mode: "y", box: { ...box, l: 0, r: width } };
  return { mode: "xy", box };
}

/** A range in the canvas's units as series_chart's Plotly layout takes it: log axes
 *  in log10 units (as the canvas), dates as Plotly's date strings of local wall time. */
function plotlyRange(axis, range) {
  if (axis.type !== "date") return range;
  return range.map((ms) => new Date(ms).toISOString().replace("T", " ").replace("Z", ""));
}

export function createCanvasZoom(plot, view) {
  const canvas = view.element;
  let pending = null; // the relayout update chosen on the canvas, until Plotly draws
  let Plotly = null; // set once Plotly has drawn: a release applies at once
  let drag = null;
  let dragEnded = Promise.resolve();
  let endDrag = () => {};

  function pointIn(event, frame) {
    const rect = canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left - frame.box.left, y: event.clientY - rect.top - frame.box.top };
  }
  const isInside = ({ x, y }, { box }) => x >= 0 && y >= 0 && x <= box.width && y <= box.height;

  // Plotly's plot area shows a crosshair in zoom mode.
  function pointerMoved(event) {
    canvas.style.cursor = view.frame && isInside(pointIn(event, view.frame), view.frame) ? "crosshair" : "";
  }

  function start(event) {
    const frame = view.frame;
    if (event.button !== 0 || !frame || drag) return;
    const at = pointIn(event, frame);
    if (!isInside(at, frame)) return;
    event.preventDefault(); // no text selection, as Plotly's drag
    drag = { frame, x0: at.x, y0: at.y, startX: event.clientX, startY: event.clientY, mode: "", box: null, zoombox: null };
    dragEnded = new Promise((resolve) => { endDrag = resolve; });
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", end);
  }

  /** The zoom box's layer over the plot area, shown once the pointer has moved: a
   *  click (or a double-click) stays the canvas's. Over Plotly too, should it draw
   *  during the drag, so that its hover stays quiet as in its own drag. */
  function showZoombox({ box }) {
    const layer = svgNode("svg", { class: "series-zoombox", width: box.width, height: box.height, "aria-hidden": "true" });
    Object.assign(layer.style, {
      position: "absolute", left: `${box.left}px`, top: `${box.top}px`, overflow: "visible", zIndex: "1", cursor: "crosshair",
    });
    const veil = svgNode("path", { d: "M0,0Z", style: "fill: rgba(255,255,255,0); stroke-width: 0; transition: fill 200ms" });
    const corners = svgNode("path", { d: "M0,0Z", style: "fill: #fff; stroke: #444; stroke-width: 1; opacity: 0; transition: opacity 200ms" });
    layer.append(veil, corners);
    plot.append(layer);
    // Faded in, as Plotly's (a frame later, so that it transitions).
    requestAnimationFrame(() => {
      veil.style.fill = VEIL;
      corners.style.opacity = "1";
    });
    return { layer, veil, corners };
  }

  function move(event) {
    event.preventDefault();
    // Plotly's drag starts past MINDRAG, and a shorter step along an axis counts as none.
    const clamp = (delta) => (Math.abs(delta) < MINDRAG ? 0 : delta);
    const dx = clamp(event.clientX - drag.startX);
    const dy = clamp(event.clientY - drag.startY);
    if (!drag.zoombox && !dx && !dy) return;
    drag.zoombox ||= showZoombox(drag.frame);
    const { width, height } = drag.frame.box;
    const { mode, box } = zoomBox(drag.x0, drag.y0, dx, dy, width, height);
    Object.assign(drag, { mode, box });
    const { veil, corners } = drag.zoombox;
    veil.setAttribute("d", `M0,0H${width}V${height}H0V0M${box.l},${box.t}v${box.b - box.t}h${box.r - box.l}v-${box.b - box.t}h-${box.r - box.l}Z`);
    corners.setAttribute("d", cornersPath(mode, box, drag.x0, drag.y0));
  }

  function end() {
    window.removeEventListener("mousemove", move);
    window.removeEventListener("mouseup", end);
    const { frame, mode, box, zoombox } = drag;
    drag = null;
    zoombox?.layer.remove();
    if (mode) choose(frame, mode, box);
    endDrag();
  }

  function choose(frame, mode, box) {
    const { width, height } = frame.box;
    const at = (range, fraction) => range[0] + (range[1] - range[0]) * fraction;
    const ranges = {};
    if (mode.includes("x")) ranges.x = [at(frame.x.range, box.l / width), at(frame.x.range, box.r / width)];
    if (mode.includes("y")) ranges.y = [at(frame.y.range, (height - box.b) / height), at(frame.y.range, (height - box.t) / height)];
    const update = {};
    for (const [axis, range] of Object.entries(ranges)) {
      const [low, high] = plotlyRange(frame[axis], range);
      Object.assign(update, { [`${axis}axis.range[0]`]: low, [`${axis}axis.range[1]`]: high });
    }
    if (Plotly) {
      Plotly.relayout(plot, update);
      return;
    }
    pending = { ...pending, ...update };
    view.zoom(ranges);
  }

  // Only before Plotly has drawn: from then on its plot lies over the canvas.
  function reset() {
    pending = null;
    view.zoom(null);
  }

  canvas.addEventListener("mousedown", start);
  canvas.addEventListener("mousemove", pointerMoved);
  canvas.addEventListener("dblclick", reset);

  return {
    async handOver(plotly) {
      Plotly = plotly;
      const update = pending;
      pending = null;
      if (update) await Plotly.relayout(plot, update);
    },
    idle: () => dragEnded,
    forget: reset,
    remove() {
      canvas.removeEventListener("mousedown", start);
      canvas.removeEventListener("mousemove", pointerMoved);
      canvas.removeEventListener("dblclick", reset);
    },
  };
}
