// The Params explorer's chart: Plotly parallel coordinates (`parcoords`), one per
// chart facet, one polyline per run over the chosen fields. Number fields get a
// numeric axis; categorical ones (strings, booleans, None) an axis of their sorted
// values. Lines take their group's colour, or a colour scale over a chosen field.
// Brushing an axis reports the ranges, so the page can filter its table.
//
//   const chart = mountParamsChart(container, { onBrush: (brush) => {} });
//   chart.render(items, view);   // view: { dimensions: [ids], colorBy, colorScale, brush, … }
//   chart.clear();
//
//   axisOf(values, kind) -> { values, tickvals?, ticktext? }   (pure; tested in the browser)
//   isBrushed(brush, item, axes) -> bool
import { el } from "../../js/lib/dom.js";
import { facetsOf, formatValue } from "../../js/lib/explorer_grouping.js";
import { plural } from "../../js/lib/format.js";
import { plotly, whenPlotly } from "../../js/lib/plotly.js";

export const MAX_FACETS = 8;
export const COLOR_SCALES = ["Viridis", "Bluered", "Portland", "Jet", "Hot", "Blackbody", "Electric", "YlGnBu", "RdBu"];
// Plotly draws WebGL plots at twice the screen's resolution by default: four times
// the pixels for 10,000 lines, with no gain on a screen of ratio 1.
const CONFIG = { displaylogo: false, responsive: true, plotGlPixelRatio: Math.min(Math.max(window.devicePixelRatio || 1, 1), 2) };

/** An axis for the values of one field: numbers as they are (a missing value is NaN,
 *  which parcoords leaves undrawn); categories as indices into their sorted labels. */
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
  for (const field of dimensions) {
    const kind = view.catalogue.get(field)?.kind || "category";
    const axis = axisOf(items.map((item) => view.valueOf(item)(field)), kind);
    const position = new Map(items.map((item, i) => [item.id, axis.values[i]]));
    axes.set(field, { ...axis, kind, label: view.labelOf(field), valueOf: (item) => position.get(item.id) });
  }
  return axes;
}

const normalize = (ranges) => (Array.isArray(ranges?.[0]) ? ranges : ranges ? [ranges] : []);

export function mountParamsChart(container, { onBrush = () => {} }) {
  let plots = [];

  function destroy() {
    for (const plot of plots) plotly().purge(plot);
    plots = [];
    container.replaceChildren();
  }

  function lineColor(items, view) {
    if (view.fields.color.length || !view.colorBy) {
      // Discrete group colours through a step colour scale over the group index.
      const colors = [...new Set(items.map((item) => item.color))];
      const index = new Map(colors.map((color, i) => [color, i]));
      const scale = colors.length === 1 ? [[0, colors[0]], [1, colors[0]]]
        : colors.flatMap((color, i) => [[i / colors.length, color], [(i + 1) / colors.length, color]]);
      return { color: items.map((item) => index.get(item.color)), colorscale: scale, cmin: 0, cmax: Math.max(colors.length, 1), showscale: false };
    }
    const axis = view.colorAxis;
    return {
      color: items.map((item) => axis.valueOf(item)), colorscale: view.colorScale, showscale: true,
      colorbar: { title: { text: axis.label, side: "right" }, thickness: 12, ...(axis.ticktext ? { tickvals: axis.tickvals, ticktext: axis.ticktext } : {}) },
    };
  }

  function dimension(axis, field, items, brush) {
    const constraint = brush[field]?.length ? { constraintrange: brush[field].length === 1 ? brush[field][0] : brush[field] } : {};
    const range = axis.tickvals ? { range: [0, Math.max(axis.tickvals.length - 1, 1)] } : {};
    return {
      label: axis.label.length > 28 ? `${axis.label.slice(0, 27)}…` : axis.label,
      values: items.map((item) => axis.valueOf(item)),
      ...(axis.tickvals ? { tickvals: axis.tickvals, ticktext: axis.ticktext.map((text) => (text.length > 18 ? `${text.slice(0, 17)}…` : text)) } : {}),
      ...range,
      ...constraint,
    };
  }

  function brushOf(plot, dimensions) {
    const brush = {};
    (plot._fullData?.[0]?.dimensions || []).forEach((dim, i) => {
      const ranges = normalize(dim.constraintrange);
      if (ranges.length) brush[dimensions[i]] = ranges;
    });
    return brush;
  }

  async function render(items, view) {
    destroy();
    const { facets, total } = facetsOf(items, MAX_FACETS);
    const cards = facets.map((facet) => {
      const plot = el("div", { className: "explorer-plot parcoords-plot" });
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
    await Promise.all(cards.map(async ({ facet, plot }) => {
      const trace = {
        type: "parcoords",
        line: lineColor(facet.items, view),
        dimensions: view.dimensions.map((field) => dimension(view.axes.get(field), field, facet.items, view.brush)),
        labelangle: -12, labelside: "top",
        labelfont: { size: 12 }, tickfont: { size: 11 }, rangefont: { size: 10 },
      };
      const layout = { margin: { l: 70, r: view.colorBy && !view.fields.color.length ? 110 : 60, t: 70, b: 24 }, height: 420, paper_bgcolor: "rgba(0,0,0,0)", font: { family: "inherit" } };
      const Plotly = await whenPlotly();
      await Plotly.newPlot(plot, [trace], layout, CONFIG);
      plots.push(plot);
      plot.on("plotly_restyle", () => onBrush(brushOf(plot, view.dimensions)));
    }));
    return { facets: total, drawn: cards.length };
  }

  return { render, clear: destroy };
}
