// The Metrics explorer's charts: one lib/series_chart.js per facet ("Divide into
// charts"), each line styled by its group, smoothed, on the chosen axes, with outliers
// kept out of the y range when asked; the hover tooltip (built with the DOM helper),
// highlight of the hovered run or metric, and PNG/SVG export per chart.
//
//   const charts = mountCharts(container, { onHover: (x) => {}, onPointClick: (item, index, event) => {} });
//   charts.render(items, view);   // view: {state, fields, valueOf, smoothing, tooltipParams, xTitle}
//   charts.clear();
import { el } from "../../js/lib/dom.js";
import { createSeriesChart } from "../../js/lib/series_chart.js";
import { outlierBounds, smoothValues } from "../../js/lib/series_math.js";
import { formatNumber, plural, runLabel } from "../../js/lib/format.js";
import { axisRange } from "./metrics_controls.js";
import { facetsOf, formatValue, styleItems } from "../../js/lib/explorer_grouping.js";
import { contextLabel } from "./metrics_picker.js";

// WebGL contexts are scarce (browsers allow about 16 per page): past this many
// facets the rest are not drawn, and the page says so.
export const MAX_FACETS = 12;

export function formatX(x, alignment) {
  if (x === null || x === undefined) return "—";
  if (alignment === "absolute_time") return new Date(x).toLocaleString();
  if (alignment === "relative_time") {
    const seconds = Math.max(0, Math.round(x));
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
  }
  return formatNumber(x);
}

/** Colour, dash and facet of every item, from the grouping fields; runOf(hash) gives
 *  a run of the answer, whose name its groups' titles show. */
export function styleSeries(items, fields, valueOf, runOf) {
  styleItems(items, fields, valueOf, (item) => (item.kind === "series" ? `${item.runHash} ${item.name} ${JSON.stringify(item.context)}` : item.id), { runOf });
}

function yRange(lines, view) {
  const explicit = axisRange(view.state, "y");
  if (explicit) return explicit;
  if (view.state.outliers !== "1" || !lines.length) return null;
  const bounds = outlierBounds(lines.map((line) => line.y));
  if (!bounds) return null;
  const pad = (bounds[1] - bounds[0]) * 0.05 || Math.abs(bounds[0]) * 0.05 || 1;
  return view.state.yscale === "log" ? [bounds[0] * 0.9, bounds[1] * 1.1] : [bounds[0] - pad, bounds[1] + pad];
}

export function mountCharts(container, { onHover = () => {}, onPointClick = () => {} }) {
  const facets = new Map(); // chart key -> {card, chart, title, count}
  const tooltip = el("div", { className: "series-tooltip", hidden: true, attrs: { role: "tooltip" } });
  document.body.append(tooltip);
  let view = null;
  let hovered = null;
  let frame = 0;

  function highlightPredicate() {
    if (!hovered || view.state.highlight === "off") return null;
    const item = hovered.item;
    if (view.state.highlight === "run" && item.runHash) return (line) => line.item.runHash === item.runHash;
    return (line) => line.item === item;
  }

  function showTooltip(item, index, event) {
    const valueOf = view.valueOf(item);
    const rows = [
      el("div", "tooltip-title", [el("span", { className: "swatch", style: { "--swatch": item.color } }), el("strong", {}, item.name ?? item.label), el("span", "muted", item.kind === "series" ? contextLabel(item.context) : "")]),
      el("div", "tooltip-value mono", `${formatNumber(item.y[index])}  ·  ${view.xTitle} ${formatX(item.x[index], view.state.x)}`),
      item.kind === "series" ? el("div", "muted", runLabel(item.run, item.runHash)) : el("div", "muted", `${item.label} · ${item.group.series} series`),
      ...view.tooltipParams.map((field) => el("div", "tooltip-param", [el("span", "muted", `${field}: `), formatValue(valueOf(field))])),
    ];
    tooltip.replaceChildren(...rows);
    tooltip.hidden = false;
    const left = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
    const top = event.clientY + 14 + tooltip.offsetHeight > window.innerHeight ? event.clientY - tooltip.offsetHeight - 10 : event.clientY + 14;
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${top}px`;
  }

  function hover(line, index, event) {
    hovered = { item: line.item, index, event };
    cancelAnimationFrame(frame);
    // One update per frame, however fast the pointer moves over 800 lines.
    frame = requestAnimationFrame(() => {
      if (!hovered) return;
      const predicate = highlightPredicate();
      for (const facet of facets.values()) facet.chart.highlight(predicate);
      showTooltip(hovered.item, hovered.index, hovered.event);
      onHover(hovered.item.x[hovered.index]);
    });
  }

  function unhover() {
    hovered = null;
    cancelAnimationFrame(frame);
    tooltip.hidden = true;
    for (const facet of facets.values()) facet.chart.highlight(null);
  }

  function facetCard(key) {
    const title = el("strong", "facet-title");
    const count = el("span", "muted small");
    const exportButton = (format) => el("button", {
      type: "button", className: "btn btn-sm", text: format.toUpperCase(),
      attrs: { title: `Download this chart as ${format.toUpperCase()}` },
      on: { click: () => facet.chart.exportImage(format, `metrics-${(facet.titleText || "chart").replace(/[^\w.-]+/g, "_").slice(0, 60)}`) },
    });
    const body = el("div", "facet-body");
    const card = el("article", { className: "card facet-card", dataset: { facet: key } }, [
      el("header", "facet-header", [title, count, el("span", "toolbar-spacer"), exportButton("png"), exportButton("svg")]),
      body,
    ]);
    const facet = {
      card, title, count, titleText: "",
      chart: createSeriesChart(body, {
        onHover: hover,
        onUnhover: unhover,
        onClick: (line, index, event) => { tooltip.hidden = true; onPointClick(line.item, index, event); },
      }),
    };
    return facet;
  }

  function linesOf(items) {
    const { algorithm, factor } = view.smoothing;
    return items.map((item) => ({
      id: item.id, item, x: item.x, y: smoothValues(item.y, algorithm, factor),
      color: item.color, dash: item.dash, width: item.kind === "group" ? 2.2 : 1.6,
    }));
  }

  function bandsOf(items) {
    if (view.state.agg !== "1" || view.state.band === "none") return [];
    const { algorithm, factor } = view.smoothing;
    return items.filter((item) => item.kind === "group" && item.lower).map((item) => ({
      id: item.id, x: item.x, color: item.color,
      lower: smoothValues(item.lower, algorithm, factor), upper: smoothValues(item.upper, algorithm, factor),
    }));
  }

  async function render(items, nextView) {
    view = nextView;
    unhover();
    const { facets: shownFacets, total } = facetsOf(items, MAX_FACETS);
    const byFacet = new Map(shownFacets.map((facet) => [facet.key, facet]));
    const keys = [...byFacet.keys()];
    for (const [key, facet] of facets) {
      if (!keys.includes(key)) { facet.chart.destroy(); facet.card.remove(); facets.delete(key); }
    }
    const xAxis = {
      type: view.state.xscale === "log" ? "log" : view.state.x === "absolute_time" ? "date" : "linear",
      title: view.xTitle, range: view.state.x === "absolute_time" ? null : axisRange(view.state, "x"),
    };
    const revision = [view.state.x, view.state.xscale, view.state.yscale].join(" ");
    for (const key of keys) if (!facets.has(key)) facets.set(key, facetCard(key));
    // In the page before drawing: Plotly sizes a plot from its container.
    container.replaceChildren(...keys.map((key) => facets.get(key).card));
    container.classList.toggle("is-faceted", keys.length > 1);
    const draws = keys.map((key) => {
      const facet = facets.get(key);
      const { title, items: facetItems } = byFacet.get(key);
      const shown = facetItems.filter((item) => !view.hidden.has(item.id));
      facet.titleText = title;
      facet.title.textContent = title || (view.fields.chart.length ? "None" : "All metrics");
      facet.count.textContent = `${plural(shown.length, view.state.agg === "1" ? "group" : "line")}`;
      facet.card.dataset.lines = String(shown.length);
      const lines = linesOf(shown);
      return facet.chart.draw({ lines, bands: bandsOf(shown), xAxis, yAxis: { type: view.state.yscale, range: yRange(lines, view) }, revision });
    });
    await Promise.all(draws);
    return { facets: total, drawn: keys.length };
  }

  return {
    render,
    clear() {
      unhover();
      for (const facet of facets.values()) facet.chart.destroy();
      facets.clear();
      container.replaceChildren();
    },
  };
}
