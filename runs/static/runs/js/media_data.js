// The media explorer's data: requests to the objects API and the items made from the
// answer. An item is one tracked object (a record of a sequence of a run); a row of
// the table is one sequence.
//
//   GET /api/v1/objects/names?kind=&q=          -> the `+ Images` picker
//   GET /api/v1/objects/search?kind=&q=&step_min=&step_max=&index_min=&index_max=&density=&index_density=
//   GET /api/v1/objects/texts/html?mode=markdown|html&ids=1,2  -> sanitised HTML by record id
import { api } from "../../js/lib/http.js";
import { paramAt, paramPaths } from "./metrics_grouping.js";

const API = "/api/v1/objects";

export const fetchNames = (kind, query) => api(`${API}/names?${new URLSearchParams({ kind, q: query })}`);

/** The search's parameters from the view state (bounds left out when not set). */
export function searchParams(kind, query, state) {
  const params = { kind, q: query, density: state.density, index_density: state.idensity };
  for (const [key, name] of [["smin", "step_min"], ["smax", "step_max"], ["imin", "index_min"], ["imax", "index_max"]]) {
    if (state[key] !== "") params[name] = state[key];
  }
  return params;
}

/** Sanitised HTML of text records read as `mode` (markdown | html), by record id. */
export const fetchTextHtml = (mode, ids) => api(`${API}/texts/html?${new URLSearchParams({ mode, ids: ids.join(",") })}`);

export const fetchSearch = (kind, query, state) => api(`${API}/search?${new URLSearchParams(searchParams(kind, query, state))}`);

/** One item per record, in the answer's order (newest runs first, then name, step, index). */
export function objectItems(answer) {
  return answer.sequences.flatMap((sequence) => sequence.records.map((record) => ({
    id: `r${record.id}`, record, sequence, runHash: sequence.run.hash, run: answer.runs[sequence.run.hash] || sequence.run,
  })));
}

/** The value of a grouping field for an item of `kind` (images, figures, …). */
export function fieldValue(kind, field, item) {
  const { run, sequence, record } = item;
  if (field === "run.hash") return item.runHash;
  if (field === "run.experiment") return run.experiment ?? null;
  if (field === "run.name") return run.name ?? null;
  if (field === "run.tags") return (run.tags || []).map((tag) => tag.name).sort().join(", ");
  if (field === "record.step") return record.step;
  if (field === "record.index") return record.index;
  if (field === `${kind}.name`) return sequence.name;
  if (field.startsWith(`${kind}.context.`)) return (sequence.context || {})[field.slice(kind.length + 9)] ?? null;
  if (field.startsWith("run.")) return paramAt(run.params, field.slice(4));
  return null;
}

/** Every field the loaded objects can be grouped by: run, step, index, name, context, params. */
export function groupFields(kind, answer) {
  const contextKeys = new Set();
  const params = new Set();
  for (const sequence of answer.sequences) Object.keys(sequence.context || {}).forEach((key) => contextKeys.add(key));
  for (const run of Object.values(answer.runs)) paramPaths(run.params).forEach((path) => params.add(path));
  return [
    "run.hash", "run.experiment", "run.tags", "record.step", "record.index", `${kind}.name`,
    ...[...contextKeys].sort().map((key) => `${kind}.context.${key}`),
    ...[...params].sort().map((path) => `run.${path}`),
  ];
}

/** The steps the answer's sequences hold (sampled ones, and each first and last). */
export function answerSteps(answer) {
  const steps = new Set();
  for (const sequence of answer.sequences) {
    sequence.steps.forEach((step) => steps.add(step));
    for (const step of [sequence.first_step, sequence.last_step]) if (step !== null) steps.add(step);
  }
  return steps;
}
