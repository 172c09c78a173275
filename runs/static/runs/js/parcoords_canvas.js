// Parallel coordinates on a 2-D canvas: the Params explorer's chart (params_chart.js
// feeds it). One polyline per line over vertical axes; a missing value leaves the
// segments that touch it undrawn. Brushing: drag on an axis to add a range (several
// per axis), drag a range to move it, click the axis to clear it; brushed-out lines
// are drawn faint behind the selected ones. Hovering highlights a line; dragging an
// axis title reorders the axes.
// Why not Plotly's WebGL `parcoords`: without a GPU it took seconds to draw 10,000
// lines (docs/performance.md, "Params and media explorers"). Axes, ticks, brushes and
// the colour bar are DOM, built here (crisp text, and what tests read); the lines are
// canvas (parcoords_lines.js), at the device's pixel ratio, stroked one path per colour
// and batch, yielding to the browser between animation frames so the page answers
// while 10,000 lines draw. This module lays both out and turns pointer gestures into
// brushes, axis moves, hovers and clicks.
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
import { createLinePainter } from "./parcoords_lines.js";

export const HEIGHT = 420;
const MARGIN = { top: 72, bottom: 24, left: 72, right: 96 }; // titles lean right
const COLOR_BAR_WIDTH = 80;
const AXIS_GRAB = 10; // px either side of an axis that brush it
const LIVE_BRUSH = 2000; // up to this many lines, the selection follows a drag as it moves

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
  let brush = {};
  let width = 0;
  let xs = [];
  const selected = new Uint8Array(count);
  let hovered = -1;
  let gesture = null;
  let isDestroyed = false;

  const yOf = (axis, position) => MARGIN.top + (1 - (position - axis.range[0]) / (axis.range[1] - axis.range[0])) * plotHeight;
  const valueAt = (axis, y) => axis.range[0] + (1 - (y - MARGIN.top) / plotHeight) * (axis.range[1] - axis.range[0]);
  const painter = createLinePainter(host, {
    count, axes, colors, height: HEIGHT, yOf, selected, isBrushing: () => Object.keys(brush).length > 0,
  });
  const axisNodes = axes.map((axis) => el("div", { className: "pc-axis", dataset: { field: axis.id }, style: { top: `${MARGIN.top}px`, height: `${plotHeight}px` } }, [
    el("div", { className: "pc-axis-title", text: short(axis.label, 24), attrs: { title: `${axis.label} (drag to move the axis)` } }),
    ...axis.ticks.map(([position, text]) => el("span", { className: "pc-tick", text: short(text, 18), style: { top: `${yOf(axis, position) - MARGIN.top}px` } })),
  ]));
  const root = el("div", { className: "pc", attrs: { role: "img", "aria-label": `Parallel coordinates: ${count} lines over ${dims} axes` } }, [
    ...painter.canvases, el("div", "pc-axes", axisNodes), colorBar ? colorBarNode(colorBar) : null,
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
    const span = width - MARGIN.left - MARGIN.right - (colorBar ? COLOR_BAR_WIDTH : 0);
    xs = axes.map((_, k) => (dims === 1 ? MARGIN.left + span / 2 : MARGIN.left + (k * span) / (dims - 1)));
    axisNodes.forEach((node, k) => { node.style.left = `${xs[k]}px`; });
    painter.resize(width, xs);
    host.dataset.width = String(width);
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
    return painter.draw();
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
    const [line, axis] = painter.lineAt(x, y);
    const k = axisNear(x, y);
    const ranges = k >= 0 ? brush[axes[k].id] || [] : [];
    const value = k >= 0 ? valueAt(axes[k], y) : 0;
    root.style.cursor = k >= 0 ? (ranges.some(([lo, hi]) => value >= lo && value <= hi) ? "move" : "crosshair") : line >= 0 ? "pointer" : "";
    if (line !== hovered) { hovered = line; painter.drawHover(hovered); }
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
      painter.draw();
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
    painter.drawHover(hovered);
    onHover(-1, event, -1);
  });

  let resizing = 0;
  const resizeObserver = new ResizeObserver(() => {
    if (resizing || Math.max(root.clientWidth, 200) === width) return;
    resizing = requestAnimationFrame(() => {
      resizing = 0;
      if (isDestroyed) return;
      layout();
      painter.draw();
      painter.drawHover(hovered);
    });
  });

  layout();
  setBrush(options.brush);
  resizeObserver.observe(root);

  return {
    drawn: painter.drawn,
    setBrush,
    destroy() {
      isDestroyed = true;
      painter.destroy();
      resizeObserver.disconnect();
      root.remove();
    },
  };
}
