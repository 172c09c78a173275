// Scatters explorer page (templates/runs/explorers/scatters.html): one point per run
// at any param or metric summary on X and Y, grouped by colour and chart, with an
// optional trend line (least squares or LOESS with a bandwidth), on the shared fields
// explorer (fields_explorer.js: shell, grouping, table, popover, Live Update). A
// click on a point pins the run popover with its params and tags.
import { el } from "../../js/lib/dom.js";
import { parseFields } from "../../js/lib/explorer_grouping.js";
import { DEFAULT_BANDWIDTH } from "../../js/lib/trend_math.js";
import { mountFieldsExplorer } from "./fields_explorer.js";
import { mountScattersChart } from "./scatters_chart.js";

export const STATE_KEYS = {
  x: "", y: "", color: "", color_rev: "0", chart: "", chart_rev: "0",
  trend: "none", bw: String(DEFAULT_BANDWIDTH),
};

const $ = (selector) => document.querySelector(selector);
const xSelect = $("#x-field");
const ySelect = $("#y-field");
const trend = $("#trend");
const bandwidth = $("#bandwidth");
const bandwidthValue = $("#bandwidth-value");

const bandwidthOf = (state) => {
  const value = Number(state.bw);
  return Number.isFinite(value) && value > 0 && value <= 1 ? value : DEFAULT_BANDWIDTH;
};

const chartView = mountScattersChart($("#charts"), {
  onPointClick: (item, event, facts) => page.openRunPopover(item, event, facts),
});

const chart = {
  clear: () => chartView.clear(),
  render: (items, view) => chartView.render(items, { ...view, x: view.state.x, y: view.state.y, trend: view.state.trend, bandwidth: bandwidthOf(view.state) }),
};

xSelect.addEventListener("change", () => page.applyPatch({ x: xSelect.value }, { push: true }));
ySelect.addEventListener("change", () => page.applyPatch({ y: ySelect.value }, { push: true }));
trend.addEventListener("change", () => page.applyPatch({ trend: trend.value }));
bandwidth.addEventListener("input", () => {
  bandwidthValue.textContent = bandwidth.value;
  page.applyPatch({ bw: bandwidth.value });
});

function fieldOptions(select, available, chosen, catalogue) {
  const options = available.filter((field) => field.id !== "run.tags").map((field) => el("option", { value: field.id, text: field.label }));
  if (chosen && !available.some((field) => field.id === chosen)) options.unshift(el("option", { value: chosen, text: catalogue.get(chosen)?.label ?? chosen }));
  select.replaceChildren(el("option", { value: "", text: "Choose a param or metric" }), ...options);
  select.value = chosen;
}

const controls = {
  render(state, { catalogue, available }) {
    fieldOptions(xSelect, available, state.x, catalogue);
    fieldOptions(ySelect, available, state.y, catalogue);
    trend.value = state.trend;
    bandwidth.value = String(bandwidthOf(state));
    bandwidthValue.textContent = String(bandwidthOf(state));
    $("#bandwidth-row").hidden = state.trend !== "loess";
  },
};

const page = mountFieldsExplorer({
  name: "scatters",
  stateKeys: STATE_KEYS,
  neededFields: (state) => (state.x && state.y ? [state.x, state.y, ...parseFields(state.color), ...parseFields(state.chart)] : []),
  chart,
  controls,
  empty: {
    fresh: ["No runs with params yet", "Log params and metrics from a training script with the SDK, then plot one against another here:"],
    nothing: ["Choose X and Y", "Pick a param or metric summary for each axis to draw one point per run."],
  },
});
