// Parallel coordinates on a 2-D canvas: the Params explorer's chart (params_chart.js
// feeds it). One polyline per line over vertical axes; a missing value leaves the
// segments that touch it undrawn. Brushing: drag on an axis to add a range (several
// per axis), drag a range to move it, click the axis to clear it; brushed-out lines
// are drawn faint behind the selected ones. Hovering highlights a line; dragging an
// axis title reorders the axes.
// Why not Plotly's WebGL `parcoords`: without a GPU it took seconds to draw 10,000
// lines (docs/performance.md, "Params and media explorers"). Axes, ticks, brushes and
// the colour bar are DOM (crisp text, and what tests read); the lines are canvas, at
// the device's pixel ratio, stroked one path per colour and batch, yielding to the
// browser between animation frames so the page answers while 10,000 lines draw.
//
//   const chart = drawParallelCoordinates(host, {
//     count,                                    // lines
//     axes: [{ id, label, range: [lo, hi], ticks: [[position, text]], positions }],
//                                               // positions[i]: line i on the axis, NaN = missing
//     colors: [css colour of each line],        // draws one path per distinct colour
//     colorBar: { title, scale, range, stops: [[0…1, colour]], ticks: [[0…1, text]] } | null,
//     brush: { [axis id]: [[lo, hi], …] }, snaps: (axis) => bool (ranges cover whole positions),
//     onBrush(brush), onReorder([axis ids]), onHover(line | -1, event, axis), onClick(line, event),
//   });
//   await chart.drawn;   chart.setBrush(brush);   chart.destroy();
//   Test hooks on host: data-lines, data-selected, data-brush, data-width, and
//   data-draws (complete drawings of the lines so far).
import { el } from "../../js/lib/dom.js";

export const HEIGHT = 420;
const MARGIN = { top: 72, bottom: 24, left: 72, right: 96 }; // titles lean right
const COLOR_BAR_WIDTH = 80;
const CONTEXT_COLOR = "#98a2b3";
const BATCH = 250; // lines per stroke()
const FRAME_BUDGET = 12; // ms of drawing before the browser gets the thread back
const PICK = 5; // px from a line that still hovers it
const AXIS_GRAB = 10; // px either side of an axis that brush it
const LIVE_BRUSH = 2000; // up to this many lines, the selection follows a drag as it moves

// Back to the browser's queue (input, rendering) without waiting for a frame.
export const yieldToBrowser = () => (globalThis.scheduler?.yield ? globalThis.scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0)));
const short = (text, size) => (text.length > size ? `${text.slice(0, size - 1)}…` : text);

/** Ranges sorted, overlapping ones merged, bounds rounded to a 1/1000 of the axis
 *  (or whole positions when the axis snaps), empty ones dropped. */
export function tidyRanges(ranges, [lo, hi], snaps) {
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 1000 || 1));
  const round = (value) => Number((Math.round(value / step) * step).toPrecision(12));
  const tidy = ranges.map(([a, b]) => {
    if (!snaps) return [round(Math.min(a, b)), round(Math.max(a, b))];
    const first = Math.ceil(Math.min(a, b));
    const last = Math.floor(Math.max(a, b));
    const only = Math.round((a + b) / 2);
    return first <= last ? [first - 0.5, last + 0.5] : [only - 0.5, only + 0.5];
  }).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const range of tidy) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

export function drawParallelCoordinates(host, options) {
  const { count, axes, colors, colorBar = null, snaps = () => false } = options;
  const { onBrush = () => {}, onReorder = () => {}, onHover = () => {}, onClick = () => {} } = options;
  const dims = axes.length;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  let dpr = 1;
  let brush = {};
  let width = 0;
  let xs = [];
  const selected = new Uint8Array(count);
  let hovered = -1;
  let drawToken = 0;
  let gesture = null;
  let isDestroyed = false;
  let resolveDrawn;
  const drawn = new Promise((resolve) => { resolveDrawn = resolve; });

  const yOf = (axis, position) => MARGIN.top + (1 - (position - axis.range[0]) / (axis.range[1] - axis.range[0])) * plotHeight;
  const valueAt = (axis, y) => axis.range[0] + (1 - (y - MARGIN.top) / plotHeight) * (axis.range[1] - axis.range[0]);
  // Every line's y on every axis, computed once: the height never changes.
  const ys = new Float32Array(count * dims);
  axes.forEach((axis, k) => { for (let i = 0; i < count; i++) ys[i * dims + k] = yOf(axis, axis.positions[i]); });
  const buckets = new Map();
  for (let i = 0; i < count; i++) {
    if (!buckets.has(colors[i])) buckets.set(colors[i], []);
    buckets.get(colors[i]).push(i);
  }

  const lines = el("canvas", "pc-lines");
  const overlay = el("canvas", "pc-overlay");
  const axisNodes = axes.map((axis) => el("div", { className: "pc-axis", dataset: { field: axis.id }, style: { top: `${MARGIN.top}px`, height: `${plotHeight}px` } }, [
    el("div", { className: "pc-axis-title", text: short(axis.label, 24), attrs: { title: `${axis.label} (drag to move the axis)` } }),
    ...axis.ticks.map(([position, text]) => el("span", { className: "pc-tick", text: short(text, 18), style: { top: `${yOf(axis, position) - MARGIN.top}px` } })),
  ]));
  const root = el("div", { className: "pc", attrs: { role: "img", "aria-label": `Parallel coordinates: ${count} lines over ${dims} axes` } }, [
    lines, overlay, el("div", "pc-axes", axisNodes), colorBar ? colorBarNode(colorBar) : null,
  ]);
  host.replaceChildren(root);

  function colorBarNode(bar) {
    const ramp = `linear-gradient(to top, ${bar.stops.map(([at, color]) => `${color} ${at * 100}%`).join(", ")})`;
    return el("div", { className: "pc-colorbar", dataset: { scale: bar.scale, range: JSON.stringify(bar.range) }, style: { top: `${MARGIN.top}px`, height: `${plotHeight}px` } }, [
      el("div", { className: "pc-colorbar-title", text: short(bar.title, 40), attrs: { title: bar.title } }),
      el("div", { className: "pc-colorbar-ramp", style: { background: ramp } }),
      ...bar.ticks.map(([at, text]) => el("span", { className: "pc-tick", text: short(text, 12), style: { top: `${(1 - at) * plotHeight}px` } })),
    ]);
  }

  function layout() {
    width = Math.max(root.clientWidth, 200);
    dpr = Math.max(window.devicePixelRatio || 1, 1); // a zoom changes it, and the width
    const span = width - MARGIN.left - MARGIN.right - (colorBar ? COLOR_BAR_WIDTH : 0);
    xs = axes.map((_, k) => (dims === 1 ? MARGIN.left + span / 2 : MARGIN.left + (k * span) / (dims - 1)));
    axisNodes.forEach((node, k) => { node.style.left = `${xs[k]}px`; });
    for (const canvas of [lines, overlay]) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(HEIGHT * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${HEIGHT}px`;
    }
    host.dataset.width = String(width);
  }

  function trace(context, line) {
    let isDown = false;
    for (let k = 0; k < dims; k++) {
      const y = ys[line * dims + k];
      if (Number.isNaN(y)) isDown = false;
      else if (isDown) context.lineTo(xs[k], y);
      else { context.moveTo(xs[k], y); isDown = true; }
    }
  }

  function select() {
    selected.fill(1);
    axes.forEach((axis) => {
      const ranges = brush[axis.id];
      if (!ranges?.length) return;
      for (let i = 0; i < count; i++) {
        const position = axis.positions[i];
        if (selected[i] && !ranges.some(([lo, hi]) => position >= lo && position <= hi)) selected[i] = 0;
      }
    });
    host.dataset.selected = String(selected.reduce((sum, on) => sum + on, 0));
    host.dataset.brush = JSON.stringify(brush);
  }

  async function drawLines() {
    const token = ++drawToken;
    // The page has worked since its data came: let it paint the axes and answer first.
    await yieldToBrowser();
    if (token !== drawToken || isDestroyed) return;
    const context = lines.getContext("2d");
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.clearRect(0, 0, width, HEIGHT);
    context.lineWidth = 1;
    const alpha = count <= 100 ? 0.85 : Math.max(0.12, 0.85 * Math.sqrt(100 / count));
    const isBrushing = Object.keys(brush).length > 0;
    // Brushed-out lines first and faint, so the selected ones are drawn on top.
    const passes = [
      ...(isBrushing ? [{ color: CONTEXT_COLOR, alpha: Math.max(0.05, alpha * 0.35), lines: [...buckets.values()].flat(), wants: 0 }] : []),
      ...[...buckets].map(([color, members]) => ({ color, alpha, lines: members, wants: 1 })),
    ];
    let started = performance.now();
    for (const pass of passes) {
      let inPath = 0;
      context.beginPath();
      for (const line of pass.lines) {
        if (selected[line] !== pass.wants) continue;
        trace(context, line);
        if (++inPath < BATCH) continue;
        context.strokeStyle = pass.color;
        context.globalAlpha = pass.alpha;
        context.stroke();
        // Chromium records canvas calls and rasterises them at the next frame, all
        // at once: reading a pixel rasterises this batch now, inside the budget.
        context.getImageData(0, 0, 1, 1);
        context.beginPath();
        inPath = 0;
        if (performance.now() - started > FRAME_BUDGET) {
          await yieldToBrowser();
          if (token !== drawToken || isDestroyed) return;
          started = performance.now();
        }
      }
      context.strokeStyle = pass.color;
      context.globalAlpha = pass.alpha;
      if (inPath) context.stroke();
    }
    host.dataset.lines = String(count);
    host.dataset.draws = String(Number(host.dataset.draws || 0) + 1);
    resolveDrawn();
  }

  function drawHover() {
    const context = overlay.getContext("2d");
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.clearRect(0, 0, width, HEIGHT);
    if (hovered < 0) return;
    context.beginPath();
    trace(context, hovered);
    context.lineJoin = "round";
    context.lineWidth = 4;
    context.strokeStyle = "#fff";
    context.stroke();
    context.lineWidth = 2;
    context.strokeStyle = colors[hovered];
    context.stroke();
  }

  function renderBrush(k) {
    const axis = axes[k];
    axisNodes[k].querySelectorAll(".pc-brush").forEach((node) => node.remove());
    for (const [lo, hi] of brush[axis.id] || []) {
      const top = Math.max(yOf(axis, hi), MARGIN.top);
      const bottom = Math.min(yOf(axis, lo), MARGIN.top + plotHeight);
      axisNodes[k].append(el("div", { className: "pc-brush", style: { top: `${top - MARGIN.top}px`, height: `${Math.max(bottom - top, 2)}px` } }));
    }
  }

  function setBrush(next) {
    brush = Object.fromEntries(Object.entries(next || {}).filter(([id, ranges]) => axes.some((axis) => axis.id === id) && ranges?.length));
    axes.forEach((_, k) => renderBrush(k));
    select();
    return drawLines();
  }

  /** The nearest selected line at (x, y), or -1; and the nearest axis. */
  function lineAt(x, y) {
    let k = 0;
    while (k < dims - 2 && x > xs[k + 1]) k++;
    const nearest = dims > 1 && Math.abs(x - xs[k + 1]) < Math.abs(x - xs[k]) ? k + 1 : k;
    if (!dims || x < xs[0] - PICK || x > xs[dims - 1] + PICK) return [-1, nearest];
    const next = dims > 1 ? k + 1 : k;
    const t = next === k ? 0 : Math.min(Math.max((x - xs[k]) / (xs[next] - xs[k]), 0), 1);
    let best = -1;
    let bestDistance = PICK;
    for (let i = 0; i < count; i++) {
      if (!selected[i]) continue;
      const from = ys[i * dims + k];
      const to = ys[i * dims + next];
      const distance = Math.abs(from + (to - from) * t - y);
      if (distance < bestDistance) { best = i; bestDistance = distance; }
    }
    return [best, nearest];
  }

  function axisNear(x, y) {
    if (y < MARGIN.top - 8 || y > MARGIN.top + plotHeight + 8) return -1;
    return xs.findIndex((axisX) => Math.abs(x - axisX) <= AXIS_GRAB);
  }

  const pointOf = (event) => {
    const box = root.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };

  function hover(event) {
    const [x, y] = pointOf(event);
    const [line, axis] = lineAt(x, y);
    const k = axisNear(x, y);
    const ranges = k >= 0 ? brush[axes[k].id] || [] : [];
    const value = k >= 0 ? valueAt(axes[k], y) : 0;
    root.style.cursor = k >= 0 ? (ranges.some(([lo, hi]) => value >= lo && value <= hi) ? "move" : "crosshair") : line >= 0 ? "pointer" : "";
    if (line !== hovered) { hovered = line; drawHover(); }
    onHover(line, event, axis);
  }

  function dragBrush(event) {
    const [, y] = pointOf(event);
    if (Math.abs(y - gesture.startY) > 3) gesture.isMoved = true;
    if (!gesture.isMoved) return;
    const axis = axes[gesture.k];
    const [lo, hi] = axis.range;
    const value = valueAt(axis, y);
    let ranges;
    if (gesture.inside >= 0) {
      const [a, b] = gesture.original[gesture.inside];
      const delta = Math.min(Math.max(value - gesture.startValue, lo - a), hi - b);
      ranges = gesture.original.map((range, j) => (j === gesture.inside ? [a + delta, b + delta] : range));
    } else {
      const clamp = (v) => Math.min(Math.max(v, lo), hi);
      ranges = [...gesture.original, [clamp(Math.min(gesture.startValue, value)), clamp(Math.max(gesture.startValue, value))]];
    }
    brush = { ...brush, [axis.id]: ranges };
    renderBrush(gesture.k);
    if (count <= LIVE_BRUSH) {
      select();
      drawLines();
    }
  }

  function endBrush(done) {
    const axis = axes[done.k];
    const ranges = done.isMoved ? tidyRanges(brush[axis.id] || [], axis.range, snaps(axis)) : [];
    if (!done.isMoved && !done.original.length) return;
    const { [axis.id]: _, ...others } = brush;
    setBrush(ranges.length ? { ...others, [axis.id]: ranges } : others);
    onBrush(structuredClone(brush));
  }

  function endAxisMove(done, event) {
    axisNodes[done.k].style.transform = "";
    const x = xs[done.k] + pointOf(event)[0] - done.startX;
    if (!done.isMoved) return;
    const ids = axes.map((axis) => axis.id).filter((_, k) => k !== done.k);
    const at = xs.filter((axisX, k) => k !== done.k && axisX < x).length;
    ids.splice(at, 0, axes[done.k].id);
    if (ids.some((id, k) => id !== axes[k].id)) onReorder(ids);
  }

  root.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const [x, y] = pointOf(event);
    const title = event.target.closest?.(".pc-axis-title");
    const k = title ? axisNodes.indexOf(title.parentElement) : axisNear(x, y);
    if (title) gesture = { kind: "axis", k, startX: x, isMoved: false };
    else if (k >= 0) {
      const axis = axes[k];
      const original = brush[axis.id] || [];
      const startValue = valueAt(axis, y);
      gesture = { kind: "brush", k, startY: y, startValue, original, inside: original.findIndex(([lo, hi]) => startValue >= lo && startValue <= hi), isMoved: false };
    } else {
      gesture = { kind: "click" };
      return;
    }
    event.preventDefault();
    root.setPointerCapture(event.pointerId);
  });
  root.addEventListener("pointermove", (event) => {
    if (gesture?.kind === "brush") return dragBrush(event);
    if (gesture?.kind === "axis") {
      const dx = pointOf(event)[0] - gesture.startX;
      gesture.isMoved ||= Math.abs(dx) > 3;
      axisNodes[gesture.k].style.transform = `translateX(${dx}px)`;
      return;
    }
    hover(event);
  });
  root.addEventListener("pointerup", (event) => {
    const done = gesture;
    gesture = null;
    if (done?.kind === "brush") endBrush(done);
    else if (done?.kind === "axis") endAxisMove(done, event);
    else if (done && hovered >= 0) onClick(hovered, event);
  });
  root.addEventListener("pointerleave", (event) => {
    if (gesture || hovered < 0) return;
    hovered = -1;
    drawHover();
    onHover(-1, event, -1);
  });

  let resizing = 0;
  const resizeObserver = new ResizeObserver(() => {
    if (resizing || Math.max(root.clientWidth, 200) === width) return;
    resizing = requestAnimationFrame(() => {
      resizing = 0;
      if (isDestroyed) return;
      layout();
      drawLines();
      drawHover();
    });
  });

  layout();
  setBrush(options.brush);
  resizeObserver.observe(root);

  return {
    drawn,
    setBrush,
    destroy() {
      isDestroyed = true;
      resizeObserver.disconnect();
      root.remove();
    },
  };
}
