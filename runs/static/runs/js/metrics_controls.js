// The Metrics explorer's chart controls (templates/runs/explorers/metrics.html,
// #controls): grouping by color / stroke / chart with "reverse", aggregation,
// smoothing, axes (alignment, scale, range), ignore outliers, highlight and the
// tooltip's params. They show the view state and report changes as state patches;
// the page decides what a change needs (a new request, or only a redraw).
//
//   const controls = mountControls(root, { onChange: (patch) => {} });
//   controls.render(state, { fields, params, xMetrics });
import { el } from "../../js/lib/dom.js";
import { SMOOTHING_DEFAULTS, SMOOTHING_RANGES } from "../../js/lib/series_math.js";
import { parseFields } from "../../js/lib/explorer_grouping.js";
import { mountGroupingMenus } from "../../js/lib/explorer_grouping_menus.js";
import { contextLabel } from "./metrics_picker.js";

/** The smoothing factor in force: the address's, or Aim's default for the algorithm. */
export function smoothingFactor(state) {
  const fallback = SMOOTHING_DEFAULTS[state.smooth] ?? 0;
  const value = state.sf === "" ? fallback : Number(state.sf);
  return Number.isFinite(value) ? value : fallback;
}

function rangeOf(minText, maxText) {
  const min = minText === "" ? null : Number(minText);
  const max = maxText === "" ? null : Number(maxText);
  return { min: Number.isFinite(min) ? min : null, max: Number.isFinite(max) ? max : null };
}

/** "" when the bounds can hold, else the message Aim shows under the inputs. */
export function rangeProblem(state) {
  for (const axis of ["x", "y"]) {
    const { min, max } = rangeOf(state[`${axis}min`], state[`${axis}max`]);
    if (min !== null && max !== null && min >= max) return `${axis.toUpperCase()} min should be smaller than ${axis.toUpperCase()} max (${max}).`;
  }
  return "";
}

export function axisRange(state, axis) {
  const { min, max } = rangeOf(state[`${axis}min`], state[`${axis}max`]);
  if (min === null && max === null) return null;
  if (min !== null && max !== null && min >= max) return null;
  return [min, max];
}

export function mountControls(root, { onChange }) {
  const $ = (selector) => root.querySelector(selector);
  const inputs = {
    agg: $("#aggregate-on"), line: $("#aggregate-line"), band: $("#aggregate-band"),
    smooth: $("#smoothing-algorithm"), sf: $("#smoothing-factor"), sfOut: $("#smoothing-factor-value"),
    x: $("#x-alignment"), xm: $("#x-metric"), xmRow: $("#x-metric-row"),
    xscale: $("#x-scale"), yscale: $("#y-scale"),
    xmin: $("#x-min"), xmax: $("#x-max"), ymin: $("#y-min"), ymax: $("#y-max"), rangeError: $("#range-error"),
    outliers: $("#ignore-outliers"), highlight: $("#highlight-mode"), tooltip: $("#tooltip-params"),
    aggregateHint: $("#aggregate-hint"),
  };
  let current = {};

  const change = (patch) => onChange(patch);
  const groupingMenus = mountGroupingMenus(root, { onChange: change });

  inputs.agg.addEventListener("change", () => change({ agg: inputs.agg.checked ? "1" : "0" }));
  inputs.line.addEventListener("change", () => change({ line: inputs.line.value }));
  inputs.band.addEventListener("change", () => change({ band: inputs.band.value }));
  inputs.smooth.addEventListener("change", () => change({ smooth: inputs.smooth.value, sf: "" }));
  inputs.sf.addEventListener("input", () => {
    inputs.sfOut.textContent = inputs.sf.value;
    change({ sf: inputs.sf.value });
  });
  inputs.x.addEventListener("change", () => change({ x: inputs.x.value }));
  inputs.xm.addEventListener("change", () => change({ xm: inputs.xm.value }));
  inputs.xscale.addEventListener("change", () => change({ xscale: inputs.xscale.value }));
  inputs.yscale.addEventListener("change", () => change({ yscale: inputs.yscale.value }));
  for (const key of ["xmin", "xmax", "ymin", "ymax"]) {
    inputs[key].addEventListener("change", () => change({ [key]: inputs[key].value.trim() }));
  }
  inputs.outliers.addEventListener("change", () => change({ outliers: inputs.outliers.checked ? "1" : "0" }));
  inputs.highlight.addEventListener("change", () => change({ highlight: inputs.highlight.value }));

  function renderXMetrics(state, xMetrics) {
    const options = xMetrics.map((item) => el("option", {
      value: JSON.stringify({ name: item.name, context: item.context }),
      text: `${item.name} (${contextLabel(item.context)})`,
    }));
    const chosen = state.xm ? xMetrics.find((item) => state.xm === JSON.stringify({ name: item.name, context: item.context })) : null;
    if (state.xm && !chosen) {
      try {
        const parsed = JSON.parse(state.xm);
        options.unshift(el("option", { value: state.xm, text: `${parsed.name} (${contextLabel(parsed.context)})` }));
      } catch { /* a hand-edited address: the select shows the first metric */ }
    }
    if (!options.length) options.push(el("option", { value: "", text: "No metric to align on" }));
    inputs.xm.replaceChildren(...options);
    inputs.xm.value = state.xm || "";
    inputs.xmRow.hidden = state.x !== "metric";
  }

  function renderTooltip(state, params) {
    const chosen = parseFields(state.tooltip);
    inputs.tooltip.replaceChildren(...(params.length ? params.map((path) => {
      const box = el("input", { type: "checkbox", checked: chosen.includes(path), value: path });
      box.addEventListener("change", () => {
        const next = box.checked ? [...chosen, path] : chosen.filter((item) => item !== path);
        change({ tooltip: next.join(",") });
      });
      return el("label", "control-row field-option", [box, el("span", "mono", path)]);
    }) : [el("p", "muted small", "The runs shown have no params.")]));
  }

  return {
    render(state, { fields = [], params = [], xMetrics = [], isGrouped = false } = {}) {
      current = state;
      groupingMenus.render(state, fields);
      inputs.agg.checked = state.agg === "1";
      inputs.line.value = state.line;
      inputs.band.value = state.band;
      inputs.aggregateHint.hidden = isGrouped;
      inputs.line.disabled = inputs.band.disabled = state.agg !== "1";
      inputs.smooth.value = state.smooth;
      const range = SMOOTHING_RANGES[state.smooth] || SMOOTHING_RANGES.ema;
      Object.assign(inputs.sf, { min: range.min, max: range.max, step: range.step, disabled: state.smooth === "none" });
      inputs.sf.value = String(smoothingFactor(state));
      inputs.sfOut.textContent = state.smooth === "none" ? "off" : String(smoothingFactor(state));
      inputs.x.value = state.x;
      renderXMetrics(state, xMetrics);
      inputs.xscale.value = state.xscale;
      inputs.yscale.value = state.yscale;
      for (const key of ["xmin", "xmax", "ymin", "ymax"]) if (document.activeElement !== inputs[key]) inputs[key].value = state[key];
      const problem = rangeProblem(state);
      inputs.rangeError.textContent = problem;
      inputs.rangeError.hidden = !problem;
      inputs.outliers.checked = state.outliers === "1";
      inputs.highlight.value = state.highlight;
      renderTooltip(state, params);
    },
    get state() { return current; },
  };
}

