// Params explorer page (templates/runs/explorers/params.html): parallel coordinates
// over the params and metric summaries picked with `+ Params`, on the shared fields
// explorer (fields_explorer.js: shell, grouping, table, popover, Live Update). Lines
// are coloured by group, or by a colour scale over a chosen field; brushing an axis
// filters the table below and stays in the address, as does the axes' order after
// a title is dragged; a click on a line opens its run's popover.
import { el } from "../../js/lib/dom.js";
import { mountPicker } from "../../js/lib/explorer_picker.js";
import { parseFields } from "../../js/lib/explorer_grouping.js";
import { mountFieldsExplorer } from "./fields_explorer.js";
import { idListText, parseIdList } from "./params_data.js";
import { COLOR_SCALES, buildAxes, isBrushed, mountParamsChart } from "./params_chart.js";

export const STATE_KEYS = {
  select: "", color: "", color_rev: "0", chart: "", chart_rev: "0",
  cby: "", cscale: "Viridis", brush: "",
};

const $ = (selector) => document.querySelector(selector);
let axes = new Map(); // the drawn axes: the table filters by the same positions

const isRange = (range) => Array.isArray(range) && range.length === 2 && range.every(Number.isFinite);

/** The brushed ranges in the address, {field: [[lo, hi], …]}; a hand-edited one that
 *  is not such a map brushes nothing, and a single [lo, hi] reads as one range. */
function brushOf(state) {
  let parsed;
  try {
    parsed = JSON.parse(state.brush || "{}");
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const brush = {};
  for (const [field, value] of Object.entries(parsed)) {
    const ranges = isRange(value) ? [value] : Array.isArray(value) ? value.filter(isRange) : [];
    if (ranges.length) brush[field] = ranges;
  }
  return brush;
}

const chartView = mountParamsChart($("#charts"), {
  onBrush: (brush) => {
    // Only the table follows: the chart has drawn the brush already.
    page.setStateQuietly({ brush: Object.keys(brush).length ? JSON.stringify(brush) : "" });
    page.refreshTable();
    updateBrushNote();
  },
  onReorder: (dimensions) => page.applyPatch({ select: idListText(dimensions) }, { push: true }),
  onLineClick: (item, event) => page.openRunPopover(item, event),
});

function updateBrushNote() {
  const brush = brushOf(page.state());
  const count = Object.keys(brush).length;
  $("#brush-note").hidden = !count;
  $("#brush-count").textContent = count === 1 ? "1 axis" : `${count} axes`;
}

const chart = {
  clear: () => chartView.clear(),
  render(items, view) {
    const dimensions = parseIdList(view.state.select);
    axes = buildAxes(items, [...new Set([...dimensions, view.state.cby].filter(Boolean))], view);
    updateBrushNote();
    return chartView.render(items, {
      ...view, dimensions, axes, brush: brushOf(view.state),
      colorBy: view.state.cby, colorAxis: axes.get(view.state.cby), colorScale: view.state.cscale,
    });
  },
};

const colorBy = $("#color-by");
const colorScale = $("#color-scale");
colorBy.addEventListener("change", () => page.applyPatch({ cby: colorBy.value }));
colorScale.addEventListener("change", () => page.applyPatch({ cscale: colorScale.value }));
colorScale.replaceChildren(...COLOR_SCALES.map((name) => el("option", { value: name, text: name })));
$("#clear-brush").addEventListener("click", () => page.applyPatch({ brush: "" }));

const picker = mountPicker($("#select-form"), {
  id: "field-picker", chipsId: "field-chips", noun: "field",
  keyOf: (field) => field.id,
  describe: (field) => ({ name: field.label, chip: field.source === "metric" ? "metric" : field.kind === "category" ? "category" : "", data: field.id }),
  emptyText: "The runs this query matches have no params or metrics.",
  onChange: (selection) => page.applyPatch({ select: idListText(selection.map((field) => field.id)) }, { push: true }),
});

const controls = {
  render(state, { catalogue, available }) {
    const chosen = parseIdList(state.select);
    picker.setOptions(available.filter((field) => !["run.hash", "run.tags"].includes(field.id)));
    picker.setSelection(chosen.map((id) => catalogue.get(id) || { id, label: id }));
    const options = [...new Set([...chosen, ...(state.cby ? [state.cby] : [])])];
    colorBy.replaceChildren(
      el("option", { value: "", text: "Group colour" }),
      ...options.map((id) => el("option", { value: id, text: catalogue.get(id)?.label ?? id })),
    );
    colorBy.value = state.cby;
    colorScale.value = state.cscale;
    colorScale.disabled = !state.cby;
  },
};

const page = mountFieldsExplorer({
  name: "params",
  stateKeys: STATE_KEYS,
  neededFields: (state) => {
    const dimensions = parseIdList(state.select);
    if (!dimensions.length) return [];
    return [...dimensions, state.cby, ...parseFields(state.color), ...parseFields(state.chart)].filter(Boolean);
  },
  chart,
  controls,
  empty: {
    fresh: ["No runs with params yet", "Log params and metrics from a training script with the SDK, then pick them here with + Params:"],
    nothing: ["No params selected", "Pick params and metrics with + Params to draw one line per run across them."],
  },
  tableItems: (items, state) => {
    const brush = brushOf(state);
    return Object.keys(brush).length ? items.filter((item) => isBrushed(brush, item, axes)) : items;
  },
});
