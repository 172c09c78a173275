// The Metrics explorer's select form: the searchable `+ Metrics` picker of
// name+context pairs (from GET /api/v1/metrics/names?q=), the picked ones as chips,
// and the query the simple mode sends, composed as Aim composes it:
//   (<query>) and ((metric.name == "loss" and metric.context == {"subset": "train"}) or (…))
//
//   const picker = mountMetricPicker(root, { onChange: (selection) => {} });
//   picker.setOptions(metrics, message);  // [{name, context, runs}], and why it is empty
//   picker.setSelection(selection);       // [{name, context}] (context null: any context)
//   picker.setDisabled(bool);             // advanced mode: the typed query decides
import { el } from "../../js/lib/dom.js";
import { plural } from "../../js/lib/format.js";

/** A value written as AimQL (Python) source: strings quoted, True/False/None. */
export function aimqlLiteral(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(aimqlLiteral).join(", ")}]`;
  return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${aimqlLiteral(item)}`).join(", ")}}`;
}

export function metricCondition({ name, context }) {
  const byName = `metric.name == ${aimqlLiteral(name)}`;
  return context === null || context === undefined ? byName : `${byName} and metric.context == ${aimqlLiteral(context)}`;
}

/** The sequence-level query of the simple mode: the run-level query and the picked metrics. */
export function composeQuery(query, selection) {
  const metrics = selection.map((item) => `(${metricCondition(item)})`).join(" or ");
  const runs = query.trim();
  if (!metrics) return runs;
  if (!runs) return selection.length === 1 ? metricCondition(selection[0]) : `(${metrics})`;
  return `(${runs}) and (${metrics})`;
}

/** A stable identity of a name+context pair (keys sorted). */
export function metricKey({ name, context }) {
  if (context === null || context === undefined) return `${name} *`;
  const sorted = Object.keys(context).sort().map((key) => [key, context[key]]);
  return `${name} ${JSON.stringify(sorted)}`;
}

export function contextLabel(context) {
  if (context === null || context === undefined) return "any context";
  const entries = Object.entries(context);
  return entries.length ? entries.map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(", ") : "no context";
}

export function mountMetricPicker(root, { onChange }) {
  const button = root.querySelector("#metric-picker-button");
  const panel = root.querySelector("#metric-picker-panel");
  const search = root.querySelector("#metric-picker-search");
  const list = root.querySelector("#metric-picker-options");
  const empty = root.querySelector("#metric-picker-empty");
  const chips = root.querySelector("#metric-chips");
  let options = [];
  let emptyMessage = "";
  let selection = [];

  const selectedKeys = () => new Set(selection.map(metricKey));

  function toggle(item) {
    const key = metricKey(item);
    selection = selectedKeys().has(key)
      ? selection.filter((picked) => metricKey(picked) !== key)
      : [...selection, { name: item.name, context: item.context }];
    render();
    onChange(selection);
  }

  function renderOptions() {
    const needle = search.value.trim().toLowerCase();
    const picked = selectedKeys();
    const shown = options.filter((item) => `${item.name} ${contextLabel(item.context)}`.toLowerCase().includes(needle));
    list.replaceChildren(...shown.map((item) => {
      const isPicked = picked.has(metricKey(item));
      return el("li", {
        className: "picker-option",
        attrs: { role: "option", "aria-selected": String(isPicked), tabindex: "0" },
        dataset: { metric: item.name },
        on: {
          click: () => toggle(item),
          keydown: (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(item); } },
        },
      }, [
        el("span", { className: "picker-check", attrs: { "aria-hidden": "true" }, text: isPicked ? "✓" : "" }),
        el("span", "picker-name", item.name),
        el("span", "context-chip", contextLabel(item.context)),
        el("span", "muted small picker-runs", plural(item.runs ?? 0, "run")),
      ]);
    }));
    const message = !options.length ? emptyMessage || "No metrics tracked in the runs the query matches."
      : shown.length ? "" : "No metric matches the search.";
    empty.textContent = message;
    empty.hidden = !message;
  }

  function renderChips() {
    chips.replaceChildren(...selection.map((item) => el("span", { className: "metric-chip", dataset: { metric: item.name } }, [
      el("strong", {}, item.name),
      el("span", "muted", contextLabel(item.context)),
      el("button", {
        type: "button", className: "metric-chip-remove", text: "×",
        disabled: button.disabled,
        attrs: { "aria-label": `Remove ${item.name} (${contextLabel(item.context)})` },
        on: { click: () => toggle(item) },
      }),
    ])));
  }

  function render() {
    renderChips();
    if (!panel.hidden) renderOptions();
  }

  function open(isOpen) {
    panel.hidden = !isOpen;
    button.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) {
      search.value = "";
      renderOptions();
      search.focus();
    }
  }

  button.addEventListener("click", () => open(panel.hidden));
  search.addEventListener("input", renderOptions);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !panel.hidden) { open(false); button.focus(); } });
  // composedPath, not contains(): a picked option is re-rendered (detached) by then.
  const pickerElement = root.querySelector("#metric-picker");
  document.addEventListener("click", (event) => { if (!panel.hidden && !event.composedPath().includes(pickerElement)) open(false); });

  return {
    setOptions(metrics, message = "") {
      options = metrics;
      emptyMessage = message;
      render();
    },
    setSelection(items) {
      selection = items.slice();
      render();
    },
    setDisabled(disabled) {
      button.disabled = disabled;
      button.title = disabled ? "In advanced mode the query selects the metrics" : "";
      if (disabled) open(false);
      renderChips();
    },
  };
}
