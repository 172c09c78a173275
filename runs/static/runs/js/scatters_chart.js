// The Scatters explorer's chart: one Plotly plot per chart facet, one point per run
// at (X field, Y field), a trace per colour group, and an optional trend line per
// group (lib/trend_math.js: least squares or LOESS). A categorical field gets a
// category axis. Plotly's hover label is off: the page's tooltip and popover are
// built with the DOM helper, so user data never becomes markup.
//
//   const chart = mountScattersChart(container, { onPointClick: (item, event) => {} });
//   chart.render(items, view);   // view: { x, y, trend, bandwidth, fields, valueOf, labelOf, catalogue }
//   chart.clear();
import { el } from "../../js/lib/dom.js";
import { facetsOf, formatValue } from "../../js/lib/explorer_grouping.js";
import { linearTrend, loess } from "../../js/lib/trend_math.js";
import { plural, runLabel } from "../../js/lib/format.js";
import { plotly, whenPlotly } from "../../js/lib/plotly.js";

export const MAX_FACETS = 12;
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

/** A point's coordinate: numbers stay numbers; categories become their label. */
export function coordinate(value, kind) {
  if (kind === "number") return typeof value === "number" ? value : null;
  return formatValue(value);
}

function trendTrace(points, view, color) {
  if (view.trend === "none") return null;
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  const line = view.trend === "loess" ? loess(xs, ys, view.bandwidth) : linearTrend(xs, ys);
  if (!line) return null;
  return {
    type: "scatter", mode: "lines", x: line.x, y: line.y, hoverinfo: "skip", showlegend: false,
    line: { color, width: 2, dash: view.trend === "loess" ? "solid" : "dash", shape: view.trend === "loess" ? "spline" : "linear" },
    meta: { trend: view.trend },
  };
}

export function mountScattersChart(container, { onPointClick = () => {} }) {
  let plots = [];
  const tooltip = el("div", { className: "series-tooltip", hidden: true, attrs: { role: "tooltip" } });
  document.body.append(tooltip);

  function destroy() {
    tooltip.hidden = true;
    for (const plot of plots) plotly().purge(plot);
    plots = [];
    container.replaceChildren();
  }

  function showTooltip(item, view, event) {
    tooltip.replaceChildren(
      el("div", "tooltip-title", [el("span", { className: "swatch", style: { "--swatch": item.color } }), el("strong", {}, runLabel(item.run, item.runHash))]),
      el("div", "tooltip-param", [el("span", "muted", `${view.labelOf(view.x)}: `), formatValue(view.valueOf(item)(view.x))]),
      el("div", "tooltip-param", [el("span", "muted", `${view.labelOf(view.y)}: `), formatValue(view.valueOf(item)(view.y))]),
      // A run without a colour group has no title line (replaceChildren would print "null").
      ...(item.colorTitle ? [el("div", "muted", item.colorTitle)] : []),
    );
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8)}px`;
    tooltip.style.top = `${event.clientY + 14}px`;
  }

  async function render(items, view) {
    destroy();
    const xKind = view.catalogue.get(view.x)?.kind || "category";
    const yKind = view.catalogue.get(view.y)?.kind || "category";
    const { facets, total } = facetsOf(items, MAX_FACETS);
    const cards = facets.map((facet) => {
      const plot = el("div", { className: "explorer-plot scatter-plot" });
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
      const groups = new Map();
      for (const item of facet.items) {
        const x = coordinate(view.valueOf(item)(view.x), xKind);
        const y = coordinate(view.valueOf(item)(view.y), yKind);
        if (x === null || y === null) continue; // a run without the field has no point
        if (!groups.has(item.colorKey)) groups.set(item.colorKey, { color: item.color, title: item.colorTitle, points: [] });
        groups.get(item.colorKey).points.push({ x, y, item });
      }
      const traces = [];
      const pointTraces = [];
      for (const group of groups.values()) {
        const trace = {
          type: "scattergl", mode: "markers", hoverinfo: "none", showlegend: Boolean(group.title), name: group.title,
          x: group.points.map((point) => point.x), y: group.points.map((point) => point.y),
          marker: { color: group.color, size: 8, opacity: 0.85, line: { width: 0.5, color: "#fff" } },
        };
        pointTraces.push(group.points);
        traces.push(trace);
      }
      for (const group of groups.values()) {
        if (xKind === "number" && yKind === "number") {
          const trend = trendTrace(group.points, view, group.color);
          if (trend) traces.push(trend);
        }
      }
      const axis = (field, kind) => ({ title: { text: view.labelOf(field) }, type: kind === "number" ? "linear" : "category", zeroline: false, automargin: true });
      const layout = {
        height: 380, margin: { l: 60, r: 16, t: 12, b: 50 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
        xaxis: axis(view.x, xKind), yaxis: axis(view.y, yKind), hovermode: "closest",
        showlegend: groups.size > 1, legend: { orientation: "h", y: -0.2 },
      };
      const Plotly = await whenPlotly();
      await Plotly.newPlot(plot, traces, layout, CONFIG);
      plots.push(plot);
      const pointAt = (data) => pointTraces[data.points[0].curveNumber]?.[data.points[0].pointNumber];
      plot.on("plotly_hover", (data) => { const point = pointAt(data); if (point) showTooltip(point.item, view, data.event); });
      plot.on("plotly_unhover", () => { tooltip.hidden = true; });
      plot.on("plotly_click", (data) => {
        const point = pointAt(data);
        if (!point) return;
        tooltip.hidden = true;
        onPointClick(point.item, data.event, [[view.labelOf(view.x), formatValue(point.x)], [view.labelOf(view.y), formatValue(point.y)]]);
      });
    }));
    return { facets: total, drawn: cards.length };
  }

  return { render, clear: destroy };
}
