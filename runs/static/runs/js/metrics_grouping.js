// Grouping fields of the Metrics explorer: what a series' value is for a group field
// (`run.hparams.lr`, `run.experiment`, `run.hash`, `run.tags`, `metric.name`,
// `metric.context.subset`) and which fields the loaded series offer. How a grouping
// is applied (reverse, keys, colours, facets) is shared: lib/explorer_grouping.js.
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

