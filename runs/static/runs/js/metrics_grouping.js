// Grouping in the Metrics explorer: what a series' value is for a group field
// (`run.hparams.lr`, `run.experiment`, `run.hash`, `run.tags`, `metric.name`,
// `metric.context.subset`), which fields a grouping uses (with "reverse": every field
// but the chosen ones), and the colour, stroke and chart each line or group gets.
// Colours and strokes come from a hash of the group's key (lib/series_math.js), so a
// group keeps them across reloads and as other groups come and go.
import { assignColors, strokeFor } from "../../js/lib/series_math.js";

export const GROUPINGS = ["color", "stroke", "chart"];
export const FIXED_FIELDS = ["run.experiment", "run.hash", "run.tags", "metric.name"];

/** Leaf paths of a params dict: {"hparams": {"lr": 0.1}} -> ["hparams.lr"]. */
export function paramPaths(params, prefix = "") {
  const paths = [];
  for (const [key, value] of Object.entries(params || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value)) paths.push(...paramPaths(value, path));
    else paths.push(path);
  }
  return paths;
}

export function paramAt(params, path) {
  let value = params;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || !(key in value)) return null;
    value = value[key];
  }
  return value ?? null;
}

/** The value of `field` for a series of `run` (a run of the search answer's `runs`). */
export function fieldValue(field, series, run) {
  if (field === "run.experiment") return run?.experiment ?? series.run?.experiment ?? null;
  if (field === "run.hash") return series.run.hash;
  if (field === "run.name") return run?.name ?? series.run?.name ?? null;
  if (field === "run.tags") return (run?.tags || []).map((tag) => tag.name).sort().join(", ");
  if (field === "metric.name") return series.name;
  if (field.startsWith("metric.context.")) return (series.context || {})[field.slice("metric.context.".length)] ?? null;
  if (field.startsWith("run.")) return paramAt(run?.params, field.slice(4));
  return null;
}

/** Every field the loaded series can be grouped by, fixed ones first. */
export function availableFields(seriesList, runs) {
  const contextKeys = new Set();
  const params = new Set();
  for (const series of seriesList) Object.keys(series.context || {}).forEach((key) => contextKeys.add(key));
  for (const run of Object.values(runs)) paramPaths(run.params).forEach((path) => params.add(path));
  return [
    ...FIXED_FIELDS,
    ...[...contextKeys].sort().map((key) => `metric.context.${key}`),
    ...[...params].sort().map((path) => `run.${path}`),
  ];
}

export function parseFields(text) {
  return (text || "").split(",").map((field) => field.trim()).filter(Boolean);
}

/** {color: [...], stroke: [...], chart: [...]} from the view state. Reverse groups by
 *  every other field except run.hash, which would give each run a group of its own. */
export function groupingFields(state, allFields) {
  return Object.fromEntries(GROUPINGS.map((kind) => {
    const chosen = parseFields(state[kind]);
    const isReversed = state[`${kind}_rev`] === "1" && chosen.length > 0;
    return [kind, isReversed ? allFields.filter((field) => !chosen.includes(field) && field !== "run.hash") : chosen];
  }));
}

export function isGrouped(fields) {
  return GROUPINGS.some((kind) => fields[kind].length > 0);
}

/** A group's key: its values for the fields, in order, as stable text. */
export function keyOf(fields, valueOf) {
  return JSON.stringify(fields.map((field) => [field, valueOf(field) ?? null]));
}

export function describeKey(fields, valueOf) {
  return fields.map((field) => `${field.replace(/^run\.|^metric\./, "")}=${formatValue(valueOf(field))}`).join(", ");
}

export function formatValue(value) {
  if (value === null || value === undefined || value === "") return "None";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The look of every line or group: colour, dash and chart facet, set on each item.
 *  valueOf(item) gives a field's value; identity(item) tells a line apart when it is
 *  not grouped by colour. */
export function styleItems(items, fields, valueOf, identity) {
  const colorKeys = items.map((item) => (fields.color.length ? keyOf(fields.color, valueOf(item)) : identity(item)));
  const colors = assignColors(colorKeys);
  items.forEach((item, i) => {
    const values = valueOf(item);
    Object.assign(item, {
      color: colors.get(colorKeys[i]),
      dash: fields.stroke.length ? strokeFor(keyOf(fields.stroke, values)) : "solid",
      chartKey: fields.chart.length ? keyOf(fields.chart, values) : "",
      chartTitle: fields.chart.length ? describeKey(fields.chart, values) : "",
    });
  });
}
