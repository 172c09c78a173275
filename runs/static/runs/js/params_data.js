// Data of the Params and Scatters explorers: one row per run with the fields asked
// for (params and metric summaries), from the params API. A field is named by the
// AimQL that reads it (`run.hparams.lr`, `run.metrics["loss"].last`); the pages treat
// ids as opaque and show each field's label. An item is one run: one line, one point
// and one table row.
//
//   GET /api/v1/params/fields?q=             -> the pickers' fields {id, label, kind, source}
//   GET /api/v1/params/search?q=&fields=a,b  -> {rows, values, fields, truncated, limit}
//     (values: one list per field, in the rows' order)
import { api } from "../../js/lib/http.js";

const API = "/api/v1";
// Fields every row has without asking: they group and colour like any other.
export const FIXED_FIELDS = [
  { id: "run.experiment", label: "experiment", kind: "category" },
  { id: "run.hash", label: "run hash", kind: "category" },
  { id: "run.tags", label: "tags", kind: "category" },
];
const FIXED_IDS = new Set(FIXED_FIELDS.map((field) => field.id));

export const isFixed = (id) => FIXED_IDS.has(id);

export const fetchFields = (query, signal) => api(`${API}/params/fields?${new URLSearchParams({ q: query })}`, { signal });

/** The rows for `fields` (fixed ones are left out: every row has them). */
export function fetchRows(query, fields, signal) {
  const asked = [...new Set(fields.filter((id) => id && !isFixed(id)))];
  return api(`${API}/params/search?${new URLSearchParams({ q: query, fields: asked.join(",") })}`, { signal });
}

/** A list of field ids kept in the address as JSON (an id may hold commas). */
export function parseIdList(text) {
  try {
    const parsed = JSON.parse(text || "[]");
    return Array.isArray(parsed) ? parsed.filter((id) => typeof id === "string" && id) : [];
  } catch {
    return [];
  }
}

export const idListText = (ids) => (ids.length ? JSON.stringify(ids) : "");

export function runItems(answer) {
  const columns = Object.entries(answer.values || {});
  return answer.rows.map((row, i) => {
    const values = {};
    for (const [field, column] of columns) values[field] = column[i];
    return { id: row.hash, kind: "run", runHash: row.hash, run: row, values };
  });
}

/** The value of a field for a run item. */
export const valueOf = (item) => (field) => {
  if (field === "run.experiment") return item.run.experiment ?? null;
  if (field === "run.hash") return item.runHash;
  if (field === "run.tags") return (item.run.tags || []).map((tag) => tag.name).sort().join(", ");
  return item.values[field] ?? null;
};

/** id -> {id, label, kind}, from the fixed fields, the picker's fields and an answer. */
export function fieldCatalogue(...lists) {
  const catalogue = new Map(FIXED_FIELDS.map((field) => [field.id, field]));
  for (const list of lists) for (const field of list || []) catalogue.set(field.id, { ...catalogue.get(field.id), ...field });
  return catalogue;
}
