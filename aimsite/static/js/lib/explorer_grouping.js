// Grouping shared by the explorers (Metrics, Params, Scatters, media): which fields a
// grouping uses (with "reverse": every field but the chosen ones), a group's key and
// label, and the colour, stroke and chart each item gets. Colours and strokes come
// from a hash of the group's key (series_math.js), so a group keeps them across
// reloads and as other groups come and go. Field ids are opaque strings; a page
// passes `valueOf(item)(field)` to read them. A group keyed by run (run.hash) reads as
// the run's name in titles: a page passes `runOf(hash)` to find the run.
import { assignColors, strokeFor } from "./series_math.js";
import { runLabel } from "./format.js";

// The media explorer lays objects out in rows and columns; the charts colour, stroke
// and facet.
export const GROUPINGS = ["color", "stroke", "chart", "row", "column"];

/** The fields of a grouping as the address keeps them: "a,b", or a JSON list when a
 *  field's id holds a comma (a metric summary with a context). */
export function parseFields(text) {
  if ((text || "").startsWith("[")) {
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.filter((field) => typeof field === "string" && field);
    } catch { /* a hand-edited address: read it as a plain list */ }
  }
  return (text || "").split(",").map((field) => field.trim()).filter(Boolean);
}

export function formatFields(fields) {
  return fields.some((field) => field.includes(",")) ? JSON.stringify(fields) : fields.join(",");
}

/** {color: [...], stroke: [...], chart: [...]} from the view state. Reverse groups by
 *  every other field except run.hash, which would give each run a group of its own.
 *  A page without a grouping kind (no key in its state) gets [] for it. */
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

const shortLabel = (field) => field.replace(/^run\.|^metric\./, "");

/** A group's title, "lr=0.1, run=baseline": labelOf names a field; a run reads as
 *  its name (runOf(hash) gives the run), as its hash tells a person nothing. */
export function describeKey(fields, valueOf, { labelOf = shortLabel, runOf = () => undefined } = {}) {
  return fields.map((field) => {
    const value = valueOf(field);
    if (field === "run.hash" && value) return `run=${runLabel(runOf(value), value)}`;
    return `${labelOf(field)}=${formatValue(value)}`;
  }).join(", ");
}

export function formatValue(value) {
  if (value === null || value === undefined || value === "") return "None";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The look of every item: colour, dash and chart facet, set on each item.
 *  valueOf(item) gives a field's value; identity(item) tells an item apart when it is
 *  not grouped by colour; titles as describeKey() writes them ({labelOf, runOf}). */
export function styleItems(items, fields, valueOf, identity, titles = {}) {
  const colorKeys = items.map((item) => (fields.color.length ? keyOf(fields.color, valueOf(item)) : identity(item)));
  const colors = assignColors(colorKeys);
  items.forEach((item, i) => {
    const values = valueOf(item);
    Object.assign(item, {
      color: colors.get(colorKeys[i]),
      colorKey: colorKeys[i],
      colorTitle: fields.color.length ? describeKey(fields.color, values, titles) : "",
      dash: fields.stroke.length ? strokeFor(keyOf(fields.stroke, values)) : "solid",
      chartKey: fields.chart.length ? keyOf(fields.chart, values) : "",
      chartTitle: fields.chart.length ? describeKey(fields.chart, values, titles) : "",
    });
  });
}

/** Items by chart facet, facets sorted by title, at most `limit` of them. */
export function facetsOf(items, limit) {
  const byFacet = new Map();
  for (const item of items) {
    if (!byFacet.has(item.chartKey)) byFacet.set(item.chartKey, { key: item.chartKey, title: item.chartTitle, items: [] });
    byFacet.get(item.chartKey).items.push(item);
  }
  const facets = [...byFacet.values()].sort((a, b) => a.title.localeCompare(b.title));
  return { facets: facets.slice(0, limit), total: facets.length };
}
