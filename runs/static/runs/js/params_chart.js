// The Params explorer's chart: parallel coordinates (parcoords_canvas.js), one per
// chart facet, one polyline per run over the chosen fields. Number fields get a
// numeric axis; categorical ones (strings, booleans, None) an axis of their sorted
// values. Every facet shares the axes' scales. Lines take their group's colour, or a
// colour scale over a chosen field with a colour bar. Brushing an axis reports the
// ranges, so the page can filter its table; hovering a line names its run, and a
// click opens the run's popover.
//
//   const chart = mountParamsChart(container, { onBrush, onReorder, onLineClick: (item, event) => {} });
//   chart.render(items, view);   // view: { dimensions: [ids], axes, colorBy, colorScale, brush, … }
//   chart.clear();
//
//   axisOf(values, kind) -> { values, tickvals?, ticktext? }   (pure; tested in the browser)
//   isBrushed(brush, item, axes) -> bool
import { el } from "../../js/lib/dom.js";
import { facetsOf, formatValue } from "../../js/lib/explorer_grouping.js";
import { formatNumber, plural, runLabel } from "../../js/lib/format.js";
import { COLOR_SCALES, colorAt, gradientStops, niceTicks, tickText } from "../../js/lib/chart_scales.js";
import { drawParallelCoordinates } from "./parcoords_canvas.js";
import { yieldToBrowser } from "./parcoords_lines.js";

export { COLOR_SCALES };
export const MAX_FACETS = 8;
const SCALE_STEPS = 64; // a colour scale draws in this many colours: one path each
const MISSING_COLOR = "#b8bec8";
const MAX_CATEGORY_TICKS = 24;

/** An axis for the values of one field: numbers as they are (a missing value is NaN,
 *  whose segments are left undrawn); categories as indices into their sorted labels. */
export function axisOf(values, kind) {
  if (kind === "number") return { values: values.map((value) => (typeof value === "number" ? value : NaN)) };
  const labels = [...new Set(values.map(formatValue))].sort((a, b) => (a === "None") - (b === "None") || a.localeCompare(b, undefined, { numeric: true }));
  const index = new Map(labels.map((label, i) => [label, i]));
  return { values: values.map((value) => index.get(formatValue(value))), tickvals: labels.map((_, i) => i), ticktext: labels };
}

/** Whether an item lies inside every brushed range ({field: [[lo, hi], …]}). */
export function isBrushed(brush, item, axes) {
  return Object.entries(brush).every(([field, ranges]) => {
    const axis = axes.get(field);
    if (!axis || !ranges.length) return true;
    const value = axis.valueOf(item);
    return ranges.some(([lo, hi]) => value >= lo && value <= hi);
  });
}

/** The chosen axes over all items, so every facet shares its scales and category order. */
export function buildAxes(items, dimensions, view) {
  const axes = new Map();
  const readers = items.map((item) => view.valueOf(item));
  const indexOf = new Map(items.map((item, i) => [item.id, i]));
  for (const field of dimensions) {
    const kind = view.catalogue.get(field)?.kind || "category";
    const axis = axisOf(readers.map((read) => read(field)), kind);
    axes.set(field, { ...axis, kind, label: view.labelOf(field), valueOf: (item) => axis.values[indexOf.get(item.id)] });
  }
  return axes;
}

/** The span of an axis over every run: categories by index; numbers from least to
 *  greatest (a single value gets room around it). */
export function rangeOf(axis) {
  if (axis.ticktext) return [0, Math.max(axis.ticktext.length - 1, 1)];
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of axis.values) {
    if (!Number.isFinite(value)) continue;
    if (value < lo) lo = value;
    if (value > hi) hi = value;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) {
    const room = Math.abs(lo) / 2 || 1;
    return [lo - room, hi + room];
  }
  return [lo, hi];
}

/** [position, text] ticks: every category (or an even sample of many), or nice numbers. */
function ticksOf(axis, range) {
  if (!axis.ticktext) return niceTicks(range[0], range[1], 6).map((value) => [value, tickText(value)]);
  const every = Math.ceil(axis.ticktext.length / MAX_CATEGORY_TICKS);
  return axis.ticktext.map((text, i) => [i, text]).filter(([i]) => i % every === 0);
}

/** Each run's colour, and the colour bar when a scale over a field colours them. */
function colouring(view) {
  if (view.fields.color.length || !view.colorBy || !view.colorAxis) return { colorOf: (item) => item.color, colorBar: null };
  const axis = view.colorAxis;
  const range = rangeOf(axis);
  const span = range[1] - range[0];
  const palette = Array.from({ length: SCALE_STEPS }, (_, step) => colorAt(view.colorScale, step / (SCALE_STEPS - 1)));
  const colorOf = (item) => {
    const position = axis.valueOf(item);
    if (!Number.isFinite(position)) return MISSING_COLOR;
    return palette[Math.min(Math.max(Math.round(((position - range[0]) / span) * (SCALE_STEPS - 1)), 0), SCALE_STEPS - 1)];
  };
  const colorBar = {
    title: axis.label, scale: view.colorScale, range, stops: gradientStops(view.colorScale),
    ticks: ticksOf(axis, range).map(([position, text]) => [(position - range[0]) / span, text]),
  };
  return { colorOf, colorBar };
}

export function mountParamsChart(container, { onBrush = () => {}, onReorder = () => {}, onLineClick = () => {} }) {
  let charts = [];
  const tooltip = el("div", { className: "series-tooltip", hidden: true, attrs: { role: "tooltip" } });
  document.body.append(tooltip);

  function destroy() {
    tooltip.hidden = true;
    for (const chart of charts) chart.destroy();
    charts = [];
    container.replaceChildren();
  }

  function showTooltip(item, color, field, view, event) {
    const value = field ? view.valueOf(item)(field) : null;
    const lines = [
      el("div", "tooltip-title", [el("span", { className: "swatch", style: { "--swatch": color } }), el("strong", {}, runLabel(item.run, item.runHash))]),
      field ? el("div", "tooltip-param", [el("span", "muted", `${view.labelOf(field)}: `), typeof value === "number" ? formatNumber(value) : formatValue(value)]) : null,
      item.colorTitle ? el("div", "muted", item.colorTitle) : null,
    ];
    tooltip.replaceChildren(...lines.filter(Boolean));
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8)}px`;
    tooltip.style.top = `${event.clientY + 14}px`;
  }

  async function render(items, view) {
    destroy();
    const { facets, total } = facetsOf(items, MAX_FACETS);
    const axes = view.dimensions.map((field) => {
      const axis = view.axes.get(field);
      const range = rangeOf(axis);
      return { id: field, label: axis.label, range, ticks: ticksOf(axis, range), axis };
    });
    const { colorOf, colorBar } = colouring(view);
    const cards = facets.map((facet) => {
      const plot = el("div", { className: "explorer-plot params-plot" });
      const card = el("article", { className: "card facet-card", dataset: { facet: facet.key } }, [
        el("header", "facet-header", [
          el("strong", "facet-title", facet.title || (view.fields.chart.length ? "None" : "All runs")),
          el("span", "muted small", plural(facet.items.length, "run")),
        ]),
        el("div", "facet-body", plot),
      ]);
      return { facet, plot, card };
    });
    container.replaceChildren(...cards.map((entry) => entry.card));
    container.classList.toggle("is-faceted", cards.length > 1);
    const drawn = charts;
    // The page read the answer and built the axes in this task: the lines' set-up
    // goes in the next, so neither holds the thread long. A render superseded
    // meanwhile never resolves: the newer one marks the chart drawn.
    await yieldToBrowser();
    if (drawn !== charts) return new Promise(() => {});
    for (const { facet, plot } of cards) {
      const runs = facet.items;
      const colors = runs.map(colorOf);
      const chart = drawParallelCoordinates(plot, {
        count: runs.length,
        axes: axes.map(({ axis, ...rest }) => ({ ...rest, positions: Float64Array.from(runs, (item) => axis.valueOf(item) ?? NaN) })),
        colors,
        colorBar,
        brush: view.brush,
        snaps: (axis) => Boolean(view.axes.get(axis.id)?.ticktext),
        // Every facet shows the one brush the table filters by.
        onBrush: (brush) => {
          for (const other of drawn) if (other !== chart) other.setBrush(brush);
          onBrush(brush);
        },
        onReorder,
        onHover: (line, event, axis) => {
          if (line < 0) tooltip.hidden = true;
          else showTooltip(runs[line], colors[line], view.dimensions[axis], view, event);
        },
        onClick: (line, event) => {
          tooltip.hidden = true;
          onLineClick(runs[line], event);
        },
      });
      drawn.push(chart);
    }
    await Promise.all(drawn.map((chart) => chart.drawn));
    return { facets: total, drawn: cards.length };
  }

  return { render, clear: destroy };
}
