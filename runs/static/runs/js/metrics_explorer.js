// Metrics explorer page (templates/runs/explorers/metrics.html): the explorer shell
// (search bar, recent queries, state in the address, selection toolbar, Live Update)
// around the `+ Metrics` picker, the chart controls, the charts and the table. The
// page's view sends no data: everything comes from /api/v1/metrics/*.
import { createExplorerShell } from "../../js/lib/explorer_shell.js";
import { mountSelectForm, selectionOf } from "../../js/lib/explorer_select_form.js";
import { toast } from "../../js/lib/toast.js";
import { composeQuery, metricKey, mountMetricPicker } from "./metrics_picker.js";
import { mountControls, smoothingFactor } from "./metrics_controls.js";
import { availableFields, fieldValue } from "./metrics_grouping.js";
import { describeKey, groupingFields, isGrouped } from "../../js/lib/explorer_grouping.js";
import { fetchAggregate, fetchNames, fetchSearch, groupItems, groupValue, seriesItems } from "./metrics_data.js";
import { mountCharts, styleSeries } from "./metrics_charts.js";
import { mountMetricsTable } from "./metrics_table.js";
import { mountPointPopover } from "./metrics_popover.js";
import { mountMetricsLive } from "./metrics_live.js";
import { emptyState } from "./metrics_messages.js";
import { reportLoadError } from "../../js/lib/explorer_messages.js";
import { downloadText } from "../../js/lib/explorer_table.js";

export const STATE_KEYS = {
  select: "", adv: "0",
  color: "", color_rev: "0", stroke: "", stroke_rev: "0", chart: "", chart_rev: "0",
  agg: "0", line: "mean", band: "minmax",
  smooth: "none", sf: "",
  x: "step", xm: "", xscale: "linear", yscale: "linear", xmin: "", xmax: "", ymin: "", ymax: "",
  outliers: "1", highlight: "run", tooltip: "", hidden: "",
};
// What a change of each key needs: a new search, a new aggregation, or a redraw.
const SEARCH_KEYS = new Set(["select", "adv", "x", "xm"]);
const AGGREGATE_KEYS = new Set(["agg", "line", "band", "color", "color_rev", "stroke", "stroke_rev", "chart", "chart_rev"]);
const X_TITLES = { step: "step", epoch: "epoch", relative_time: "relative time", absolute_time: "time" };

const $ = (selector) => document.querySelector(selector);
const empty = $("#explorer-empty");
const chartsElement = $("#charts");
const tableSection = $("#metrics-table-section");
const truncatedNote = $("#truncated-note");
const hoverLabel = $("#hover-position");

const data = { names: [], search: null, aggregate: null, items: [], fields: [], params: [] };
let request = 0;
let currentView = null; // what the charts show: the popover reads the same


const state = () => shell.state();
const effectiveQuery = (current) => (current.adv === "1" ? shell.query : composeQuery(shell.query, selectionOf(current)));
const hiddenIds = (current) => new Set(current.hidden.split(",").filter(Boolean));
const valueOf = (item) => (item.kind === "series" ? (field) => fieldValue(field, item.series, item.run) : groupValue(item));

function xTitle(current) {
  if (current.x !== "metric") return X_TITLES[current.x] || current.x;
  try { return JSON.parse(current.xm).name; } catch { return "metric"; }
}

function xMetrics() {
  const pairs = new Map();
  for (const item of [...data.names, ...(data.search?.series || [])]) pairs.set(metricKey(item), { name: item.name, context: item.context });
  return [...pairs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function show(kind, extra) {
  chartsView.clear();
  tableSection.hidden = true;
  truncatedNote.hidden = true;
  empty.replaceChildren(...(kind ? emptyState(kind, extra) : []));
  empty.hidden = !kind;
  empty.dataset.empty = kind || "";
  if (kind) shell.setTotal(null);
}

function showQueryError(error, query) {
  reportLoadError(error, query, { shell, onQueryError: () => show("error"), what: "metrics" });
}

// -- drawing (no request) ------------------------------------------------------------

async function draw() {
  const current = state();
  const fields = groupingFields(current, data.fields);
  const isAggregated = current.agg === "1" && isGrouped(fields) && data.aggregate;
  const items = isAggregated ? groupItems(data.aggregate) : seriesItems(data.search, current.x);
  const allGroupFields = [...new Set([...fields.color, ...fields.stroke, ...fields.chart])];
  const runOf = (hash) => data.search?.runs[hash];
  for (const item of items) if (item.kind === "group") item.label = describeKey(allGroupFields, groupValue(item), { runOf }) || "all";
  styleSeries(items, fields, valueOf, runOf);
  data.items = items;
  const hidden = hiddenIds(current);
  const tooltipParams = current.tooltip.split(",").filter(Boolean);
  controls.render(current, { fields: data.fields, params: data.params.map((path) => `run.${path}`), xMetrics: xMetrics(), isGrouped: isGrouped(fields) });
  if (!items.length) {
    show("nomatch", effectiveQuery(current));
    return;
  }
  show(null);
  tableSection.hidden = false;
  const runs = data.search.runs;
  const view = {
    state: current, fields, hidden, valueOf, tooltipParams, xTitle: xTitle(current), alignment: current.x,
    smoothing: { algorithm: current.smooth, factor: smoothingFactor(current) },
  };
  currentView = view;
  table.render(items, { hidden, params: data.params, valueOf, alignment: current.x, runs });
  shell.setTotal(Object.keys(runs).length);
  if (data.search.truncated) {
    truncatedNote.textContent = `Showing the first ${data.search.limit ?? data.search.series.length} series: narrow the query to see the rest.`;
  }
  truncatedNote.hidden = !data.search.truncated;
  hoverLabel.textContent = table.hoverLabel;
  performance.mark("metrics:table-rendered");
  const { facets, drawn } = await chartsView.render(items, view);
  if (facets > drawn) toast(`Showing ${drawn} of ${facets} charts: group by fewer values to see every chart.`, "info");
  chartsElement.dataset.drawn = String(Date.now());
  performance.mark("metrics:drawn");
}

// -- loading -------------------------------------------------------------------------

async function loadAggregate(call) {
  const current = state();
  const fields = groupingFields(current, data.fields);
  data.aggregate = null;
  if (current.agg !== "1" || !isGrouped(fields)) return;
  const group = [...new Set([...fields.color, ...fields.stroke, ...fields.chart])];
  const aggregate = await fetchAggregate(effectiveQuery(current), current, group);
  if (call === request) data.aggregate = aggregate;
}

async function load({ searchToo = true } = {}) {
  const call = ++request;
  const current = state();
  const { isAdvanced, selection } = selectForm.sync(current, picker);
  shell.showError(null);
  try {
    if (searchToo) {
      // Both requests at once: the search needs only the address, not the picker's
      // names, and the server answers it while the page is still busy (Plotly).
      const searching = (isAdvanced ? shell.query : selection.length) ? fetchSearch(effectiveQuery(current), current) : null;
      searching?.catch(() => {}); // awaited below, or dropped when the names say so
      if (!isAdvanced) {
        const names = await fetchNames(shell.query);
        if (call !== request) return;
        data.names = names.metrics;
        picker.setOptions(names.metrics, shell.query ? "No metrics in the runs this query matches." : "");
        if (!names.metrics.length && !shell.query) return show("fresh");
        if (!selection.length) return show("nothing");
      } else if (!shell.query) {
        return show("advanced");
      }
      const search = await searching;
      performance.mark("metrics:search-read");
      if (call !== request) return;
      data.search = search;
      data.fields = availableFields(search.series, search.runs);
      data.params = data.fields.filter((field) => field.startsWith("run.") && !["run.experiment", "run.hash", "run.tags"].includes(field)).map((field) => field.slice(4));
    }
    if (!data.search) return;
    await loadAggregate(call);
    if (call === request) await draw();
  } catch (error) {
    if (call === request) showQueryError(error, effectiveQuery(current));
  }
}

function applyPatch(patch, { push = false } = {}) {
  shell.setState(patch, { push });
  const keys = Object.keys(patch);
  if (keys.some((key) => SEARCH_KEYS.has(key))) load();
  else if (state().agg === "1" && keys.some((key) => AGGREGATE_KEYS.has(key))) load({ searchToo: false });
  else if (data.search) draw();
}

// -- parts ---------------------------------------------------------------------------

const picker = mountMetricPicker($("#select-form"), {
  onChange: (selection) => applyPatch({ select: selection.length ? JSON.stringify(selection) : "" }, { push: true }),
});
const controls = mountControls($("#controls"), { onChange: (patch) => applyPatch(patch) });
const popover = mountPointPopover({
  onTagsChange: (hash, tags) => {
    const run = data.search?.runs[hash];
    if (!run || JSON.stringify(run.tags) === JSON.stringify(tags)) return;
    run.tags = tags;
    draw();
  },
});
const chartsView = mountCharts(chartsElement, {
  onHover: (x) => { table.setHoverX(x); hoverLabel.textContent = table.hoverLabel; },
  onPointClick: (item, index, event) => popover.open(item, index, event, currentView),
});
const table = mountMetricsTable($("#metrics-table"), {
  onToggle: (id) => {
    const hidden = hiddenIds(state());
    if (hidden.has(id)) hidden.delete(id); else hidden.add(id);
    applyPatch({ hidden: [...hidden].join(",") });
  },
  onSelectionChange: (selection) => shell?.updateSelection(selection),
  onReload: () => load(),
});
const live = mountMetricsLive({ data, state, load, draw, popover });

const shell = createExplorerShell({
  name: "metrics",
  suggestionsUrl: "/api/v1/runs/suggestions",
  subjects: ["run", "metric"],
  stateKeys: STATE_KEYS,
  onQuery: () => load(),
  onStateChange: () => load(),
  noun: "run",
  table,
  live: { path: "/ws/runs/", onEvent: live.onEvent, catchUp: () => load() },
});

// -- select form buttons -------------------------------------------------------------

const selectForm = mountSelectForm(document, {
  shell, stateKeys: STATE_KEYS, effectiveQuery,
  composed: (current) => composeQuery(shell.query, selectionOf(current)),
});

$("#export-table").addEventListener("click", () => downloadText(table.csv(), "metrics.csv"));

load();
