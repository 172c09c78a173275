// The Metrics explorer's select form: the searchable `+ Metrics` picker
// (lib/explorer_picker.js) of name+context pairs (from GET /api/v1/metrics/names?q=), the picked ones as chips,
// and the query the simple mode sends, composed as Aim composes it:
//   (<query>) and ((metric.name == "loss" and metric.context == {"subset": "train"}) or (…))
//
//   const picker = mountMetricPicker(root, { onChange: (selection) => {} });
//   picker.setOptions(metrics, message);  // [{name, context, runs}], and why it is empty
//   picker.setSelection(selection);       // [{name, context}] (context null: any context)
//   picker.setDisabled(bool);             // advanced mode: the typed query decides
import { mountPicker } from "../../js/lib/explorer_picker.js";
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

/** One picked name+context pair as AimQL over `subject` (metric, images, texts, …). */
export function metricCondition({ name, context }, subject = "metric") {
  const byName = `${subject}.name == ${aimqlLiteral(name)}`;
  return context === null || context === undefined ? byName : `${byName} and ${subject}.context == ${aimqlLiteral(context)}`;
}

/** The sequence-level query of the simple mode: the run-level query and the picked
 *  sequences (metrics, or a media explorer's `subject`: images, texts, …). */
export function composeQuery(query, selection, subject = "metric") {
  const metrics = selection.map((item) => `(${metricCondition(item, subject)})`).join(" or ");
  const runs = query.trim();
  if (!metrics) return runs;
  if (!runs) return selection.length === 1 ? metricCondition(selection[0], subject) : `(${metrics})`;
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
  return mountPicker(root, {
    id: "metric-picker", chipsId: "metric-chips", noun: "metric",
    keyOf: metricKey,
    describe: (item) => ({ name: item.name, chip: contextLabel(item.context), count: item.runs === undefined ? "" : plural(item.runs, "run") }),
    picked: ({ name, context }) => ({ name, context }),
    disabledTitle: "In advanced mode the query selects the metrics",
    emptyText: "No metrics tracked in the runs the query matches.",
    onChange,
  });
}
