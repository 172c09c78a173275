// The table under the Metrics explorer's charts: one row per series (or per group
// when aggregated) with run, experiment, tags, metric, context and param columns;
// value, step, epoch and time at the hovered x (binary search per row); show or hide
// a line from its row; row selection for the runs table's batch actions
// (lib/runs_batch_actions.js acts on the runs of the selected rows); CSV of the rows.
//
//   const table = mountMetricsTable(tableElement, { onToggle: (id) => {}, onSelectionChange, onReload });
//   table.render(items, { hidden, params, valueOf, alignment });
//   table.setHoverX(x);    // null: the last point
//   table.selection();     // as lib/runs_table.js gives it; table.reload() re-queries
//   table.csv();
import { el } from "../../js/lib/dom.js";
import { renderTagChip } from "../../js/lib/tag_picker.js";
import { nearestIndex } from "../../js/lib/series_math.js";
import { formatNumber } from "../../js/lib/format.js";
import { formatValue } from "./metrics_grouping.js";
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

export function mountMetricsTable(table, { onToggle, onSelectionChange, onReload }) {
  let rows = []; // {item, row, cells}
  let view = null;
  let hoverX = null;
  const selected = new Set();

  const runsOf = (item) => (item.kind === "series" ? [item.runHash] : item.runs);

  function headers(kind) {
    const first = kind === "series"
      ? ["Run", "Experiment", "Tags", "Metric", "Context"]
      : ["Group", "Series", "Runs", "Metric"];
    return [...first, ...HOVER_COLUMNS[kind], ...(kind === "series" ? view.params : [])];
  }

  function staticCells(item) {
    if (item.kind === "group") {
      return [el("span", "mono", item.label), String(item.group.series), String(item.runs.length), item.name ?? "—"];
    }
    const run = item.run || {};
    return [
      el("a", { href: `/runs/${item.runHash}/`, text: run.name || item.runHash }),
      run.experiment_id ? el("a", { href: `/experiments/${run.experiment_id}/`, text: run.experiment }) : run.experiment ?? "—",
      el("span", "tag-chips", (run.tags || []).map((tag) => renderTagChip(tag))),
      el("strong", {}, item.name),
      el("span", "context-chip", contextLabel(item.context)),
    ];
  }

  function notifySelection() {
    onSelectionChange(api.selection());
  }

  function renderRow(item) {
    const isHidden = view.hidden.has(item.id);
    const select = el("input", {
      type: "checkbox", checked: selected.has(item.id),
      attrs: { "aria-label": `Select ${item.kind === "series" ? item.run?.name || item.runHash : item.label}` },
      on: { change: (event) => { if (event.target.checked) selected.add(item.id); else selected.delete(item.id); notifySelection(); } },
    });
    const toggle = el("button", {
      type: "button", className: "btn-link row-visibility", text: isHidden ? "Show" : "Hide",
      attrs: { "aria-pressed": String(isHidden), "aria-label": `${isHidden ? "Show" : "Hide"} line ${item.name ?? item.label}` },
      on: { click: () => onToggle(item.id) },
    });
    const hoverCells = HOVER_COLUMNS[item.kind].map((name) => el("td", { className: "num", dataset: { col: name.toLowerCase() } }));
    const paramCells = item.kind === "series" ? view.params.map((path) => el("td", {}, formatValue(view.valueOf(item)(`run.${path}`)))) : [];
    const row = el("tr", { className: isHidden ? "is-hidden-line" : "", dataset: { id: item.id, hash: item.runHash ?? "" } }, [
      el("td", "col-select", select),
      el("td", "col-visibility", toggle),
      el("td", "col-swatch", el("span", { className: "swatch", style: { "--swatch": item.color }, attrs: { "aria-hidden": "true" } })),
      ...staticCells(item).map((cell) => el("td", {}, cell)),
      ...hoverCells,
      ...paramCells,
    ]);
    return { item, row, hoverCells };
  }

  function fillHover(entry) {
    hoverValues(entry.item, hoverX).forEach((text, i) => { entry.hoverCells[i].textContent = text; });
  }

  const api = {
    render(items, nextView) {
      view = nextView;
      const ids = new Set(items.map((item) => item.id));
      [...selected].forEach((id) => { if (!ids.has(id)) selected.delete(id); });
      const kind = items[0]?.kind || "series";
      const selectAll = el("input", {
        type: "checkbox", checked: items.length > 0 && selected.size === items.length,
        attrs: { "aria-label": "Select all rows" },
        on: { change: (event) => { items.forEach((item) => (event.target.checked ? selected.add(item.id) : selected.delete(item.id))); api.render(items, view); notifySelection(); } },
      });
      rows = items.map(renderRow);
      rows.forEach(fillHover);
      table.replaceChildren(
        el("thead", {}, el("tr", {}, [el("th", "col-select", selectAll), el("th", "col-visibility", ""), el("th", "col-swatch", ""), ...headers(kind).map((text) => el("th", {}, text))])),
        el("tbody", {}, rows.map((entry) => entry.row)),
      );
      notifySelection();
    },
    setHoverX(x) {
      hoverX = x;
      rows.forEach(fillHover);
    },
    get hoverLabel() {
      return hoverX === null ? "Values at the last point" : `Values at ${formatX(hoverX, view.alignment)}`;
    },
    selection() {
      const items = rows.filter((entry) => selected.has(entry.item.id)).map((entry) => entry.item);
      const hashes = [...new Set(items.flatMap(runsOf))];
      const runs = hashes.map((hash) => view?.runs[hash]).filter(Boolean);
      return {
        allMatching: false, hashes, count: hashes.length, query: "",
        // Archived runs show only when the query asks for them: then either may apply.
        hasArchived: runs.some((run) => run.is_archived !== false),
        hasUnarchived: runs.length < hashes.length || runs.some((run) => !run.is_archived),
        notEditable: runs.filter((run) => run.can_edit === false).length,
      };
    },
    clearSelection() {
      selected.clear();
      notifySelection();
    },
    reload: () => onReload(),
    csv() {
      const kind = rows[0]?.item.kind || "series";
      const header = headers(kind);
      const lines = rows.filter((entry) => !view.hidden.has(entry.item.id)).map(({ row }) => [...row.querySelectorAll("td")].slice(3).map((cell) => cell.textContent.trim()));
      return [header, ...lines].map((cells) => cells.map(csvCell).join(",")).join("\r\n");
    },
  };
  return api;
}

function csvCell(text) {
  const value = String(text ?? "");
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
