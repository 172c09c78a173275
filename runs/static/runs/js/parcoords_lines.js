// The lines of the Params explorer's parallel coordinates (parcoords_canvas.js, which
// lays out the axes and handles the pointer): two canvases at the device's pixel
// ratio, one with every line, one over it with the hovered line, and which line is
// under the pointer. Each line's y on each axis is computed once (the height never
// changes); the axes' x come with each layout.
//
//   const painter = createLinePainter(host, { count, axes, colors, height, yOf, selected, isBrushing });
//                          // selected: the chart's Uint8Array (1: inside every brush), read
//                          // as it draws; isBrushing(): whether any axis has a range
//   painter.canvases;                  // [lines, hover]: the chart puts them in its root
//   painter.resize(width, xs);         // xs: each axis's x; sizes both canvases
//   await painter.draw();              // a newer draw, or destroy(), stops this one
//   await painter.drawn;               // the first complete drawing
//   painter.drawHover(line | -1);
//   painter.lineAt(x, y);              // [the nearest selected line or -1, the nearest axis]
//   painter.destroy();
//   await yieldToBrowser();
//
// Lines are stroked one path per colour and batch of BATCH, brushed-out ones first and
// faint; the drawing yields to the browser whenever it has held the thread for
// FRAME_BUDGET ms, so the page answers while 10,000 lines draw (docs/performance.md).
// Test hooks on host: data-lines, and data-draws (complete drawings so far).
import { el } from "../../js/lib/dom.js";

const CONTEXT_COLOR = "#98a2b3";
const BATCH = 250; // lines per stroke()
const FRAME_BUDGET = 12; // ms of drawing before the browser gets the thread back
const PICK = 5; // px from a line that still hovers it

// Back to the browser's queue (input, rendering) without waiting for a frame.
export const yieldToBrowser = () => (globalThis.scheduler?.yield ? globalThis.scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0)));

export function createLinePainter(host, { count, axes, colors, height, yOf, selected, isBrushing }) {
  const dims = axes.length;
  let dpr = 1;
  let width = 0;
  let xs = [];
  let drawToken = 0;
  let isDestroyed = false;
  let resolveDrawn;
  const drawn = new Promise((resolve) => { resolveDrawn = resolve; });

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

  function resize(nextWidth, nextXs) {
    width = nextWidth;
    xs = nextXs;
    dpr = Math.max(window.devicePixelRatio || 1, 1); // a zoom changes it, and the width
    for (const canvas of [lines, overlay]) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
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

  async function draw() {
    const token = ++drawToken;
    // The page has worked since its data came: let it paint the axes and answer first.
    await yieldToBrowser();
    if (token !== drawToken || isDestroyed) return;
    const context = lines.getContext("2d");
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.clearRect(0, 0, width, height);
    context.lineWidth = 1;
    const alpha = count <= 100 ? 0.85 : Math.max(0.12, 0.85 * Math.sqrt(100 / count));
    // Brushed-out lines first and faint, so the selected ones are drawn on top.
    const passes = [
      ...(isBrushing() ? [{ color: CONTEXT_COLOR, alpha: Math.max(0.05, alpha * 0.35), lines: [...buckets.values()].flat(), wants: 0 }] : []),
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

  function drawHover(hovered) {
    const context = overlay.getContext("2d");
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.clearRect(0, 0, width, height);
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

  return {
    canvases: [lines, overlay],
    drawn,
    resize,
    draw,
    drawHover,
    lineAt,
    destroy() { isDestroyed = true; },
  };
}
