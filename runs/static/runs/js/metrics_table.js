// The table under the Metrics explorer's charts, on the explorers' shared table
// (lib/explorer_table.js: selection, batch actions, show/hide, CSV): one row per
// series (or per group when aggregated) with run, experiment, tags, metric, context
// and param columns, and value, step, epoch and time at the hovered x (binary search
// per row).
//
//   const table = mountMetricsTable(tableElement, { onToggle: (id) => {}, onSelectionChange, onReload });
//   table.render(items, { hidden, params, valueOf, alignment, runs });
//   table.setHoverX(x);    // null: the last point
//   table.selection();     // as lib/runs_table.js gives it; table.reload() re-queries
//   table.csv();
import { el } from "../../js/lib/dom.js";
import { renderTagChip } from "../../js/lib/tag_picker.js";
import { nearestIndex } from "../../js/lib/series_math.js";
import { formatNumber, runLabel } from "../../js/lib/format.js";
import { formatValue } from "../../js/lib/explorer_grouping.js";
import { mountExplorerTable } from "../../js/lib/explorer_table.js";
import { contextLabel } from "./metrics_picker.js";
import { formatX } from "./metrics_charts.js";

const HOVER_COLUMNS = {
  series: ["Value", "Step", "Epoch", "Time"],
  group: ["Value", "Lower", "Upper"],
};

function hoverValues(item, x) {
  const index = x === null ? item.x.length - 1 : nearestIndex(item.x, x);
  if (index < 0) return item.kind === "series" ? ["—", "—", "—", "—"] : ["—", "—", "—"];
  if (item.kind === "group") return [item.y[index], item.lower?.[index], item.upper?.[index]].map(formatNumber);
  const time = item.times[index];
  return [formatNumber(item.y[index]), formatNumber(item.steps[index]), formatNumber(item.epochs[index]), time == null ? "—" : new Date(time * 1000).toLocaleString()];
}

function staticCells(item) {
  if (item.kind === "group") {
    return [el("span", "mono", item.label), String(item.group.series), String(item.runs.length), item.name ?? "—"];
  }
  const run = item.run || {};
  return [
    el("a", { href: `/runs/${item.runHash}/`, text: runLabel(run, item.runHash) }),
    run.experiment_id ? el("a", { href: `/experiments/${run.experiment_id}/`, text: run.experiment }) : run.experiment ?? "—",
    el("span", "tag-chips", (run.tags || []).map((tag) => renderTagChip(tag))),
    el("strong", {}, item.name),
    el("span", "context-chip", contextLabel(item.context)),
  ];
}

export function mountMetricsTable(table, { onToggle, onSelectionChange, onReload }) {
  let view = null;
  let hoverX = null;
  const hoverCells = new Map(); // item id -> its value/step/epoch/time cells

  function fillHover(item) {
    // Only changed cells: every rendered row is refilled on each hover frame.
    const cells = hoverCells.get(item.id);
    hoverValues(item, hoverX).forEach((text, i) => { if (cells[i].textContent !== text) cells[i].textContent = text; });
  }

  const shared = mountExplorerTable(table, {
    headers: (items) => {
      const kind = items[0]?.kind || "series";
      const first = kind === "series" ? ["Run", "Experiment", "Tags", "Metric", "Context"] : ["Group", "Series", "Runs", "Metric"];
      return [...first, ...HOVER_COLUMNS[kind], ...(kind === "series" ? view.params : [])];
    },
    cells: (item) => {
      const values = hoverValues(item, hoverX);
      const hover = HOVER_COLUMNS[item.kind].map((name, i) => el("td", { className: "num", text: values[i], dataset: { col: name.toLowerCase() } }));
      // The first cells made for an item are the rendered ones (CSV makes more).
      if (!hoverCells.has(item.id)) hoverCells.set(item.id, hover);
      const params = item.kind === "series" ? view.params.map((path) => formatValue(view.valueOf(item)(`run.${path}`))) : [];
      return [...staticCells(item), ...hover, ...params];
    },
    rowLabel: (item) => (item.kind === "series" ? runLabel(item.run, item.runHash) : item.label),
    lineLabel: (item) => item.name ?? item.label,
    runsOf: (item) => (item.kind === "series" ? [item.runHash] : item.runs),
    runOf: (hash) => view?.runs[hash],
    onToggle, onSelectionChange, onReload,
    // 100 rows, then "Show more": fewer rows to build on the first draw and to
    // refill on each hover frame.
    pageSize: 100,
  });

  return {
    render(items, nextView) {
      view = nextView;
      hoverCells.clear();
      shared.render(items, { hidden: view.hidden });
    },
    setHoverX(x) {
      hoverX = x;
      shared.renderedItems().forEach(fillHover);
    },
    get hoverLabel() {
      return hoverX === null ? "Values at the last point" : `Values at ${formatX(hoverX, view.alignment)}`;
    },
    selection: shared.selection,
    clearSelection: shared.clearSelection,
    reload: shared.reload,
    csv: shared.csv,
  };
}
