// The Metrics explorer's data: requests to the metrics API and the drawable items
// made from the answers. An item is one line and one table row: a series of a run,
// or, when aggregated, a group of series.
//
//   GET /api/v1/metrics/names?q=                     -> the `+ Metrics` picker
//   GET /api/v1/metrics/search?q=&points=&x=&x_metric=&x_context=   (as npz)
//   GET /api/v1/metrics/aggregate?q=&group=&line=&band=&points=&x=&…
//   GET /api/v1/runs/<hash>/metrics/<id>/points?after_step=N   (live: newer points)
import { api, apiBytes } from "../../js/lib/http.js";
import { NPZ_MEDIA_TYPE, readNpz } from "../../js/lib/npz.js";
import { hashString, sortedByX } from "../../js/lib/series_math.js";

const API = "/api/v1";
export const POINTS = 500;
const SERIES_COLUMNS = ["values", "steps", "epochs", "times"];

export const fetchNames = (query, signal) => api(`${API}/metrics/names?${new URLSearchParams({ q: query })}`, { signal });

function alignmentParams(state) {
  const params = { points: String(POINTS), x: state.x };
  if (state.x === "metric" && state.xm) {
    try {
      const { name, context } = JSON.parse(state.xm);
      params.x_metric = name;
      params.x_context = JSON.stringify(context ?? {});
    } catch { /* an unreadable x metric: the server says what is missing */ }
  }
  return params;
}

/** The search answer as JSON gives it, read from its binary form (lib/npz.js): 800
 *  series of 500 points are 13 MB of JSON text to parse, and a few typed arrays here. */
export async function fetchSearch(query, state, signal) {
  const url = `${API}/metrics/search?${new URLSearchParams({ q: query, ...alignmentParams(state) })}`;
  const files = readNpz(await apiBytes(url, { accept: NPZ_MEDIA_TYPE, signal }));
  const answer = JSON.parse(new TextDecoder().decode(files.get("search.json")));
  const offsets = files.get("offsets");
  const columns = ["steps", "values", "epochs", "times", "x"].filter((name) => files.has(name));
  answer.series.forEach((series, i) => {
    for (const name of columns) series[name] = numbersOrNull(files.get(name), offsets[i], offsets[i + 1]);
  });
  return answer;
}

/** A slice of a column as a plain array, non-finite values null (as in JSON). */
function numbersOrNull(column, from, to) {
  const out = new Array(to - from);
  for (let i = from; i < to; i += 1) out[i - from] = Number.isFinite(column[i]) ? column[i] : null;
  return out;
}

export function fetchAggregate(query, state, groupFields, signal) {
  const params = { q: query, group: groupFields.join(","), line: state.line, band: state.band, ...alignmentParams(state) };
  return api(`${API}/metrics/aggregate?${new URLSearchParams(params)}`, { signal });
}

export function fetchNewPoints(item) {
  const after = item.steps.length ? item.steps[item.steps.length - 1] : null;
  const query = after === null ? "" : `?after_step=${after}`;
  return api(`${API}/runs/${encodeURIComponent(item.runHash)}/metrics/${item.seriesId}/points${query}`);
}

/** x as the chart draws it: absolute times become milliseconds for a date axis. */
const chartX = (x, alignment) => (alignment === "absolute_time" ? x.map((value) => (value === null ? null : value * 1000)) : x);

export function seriesItems(search, alignment) {
  return search.series.map((series) => {
    const columns = sortedByX({
      x: chartX(series.x ?? series.steps, alignment),
      values: series.values, steps: series.steps, epochs: series.epochs, times: series.times,
    }, SERIES_COLUMNS);
    return {
      id: `s${series.id}`, kind: "series", seriesId: series.id, series, run: search.runs[series.run.hash] || series.run,
      runHash: series.run.hash, name: series.name, context: series.context,
      x: columns.x, y: columns.values, steps: columns.steps, epochs: columns.epochs, times: columns.times,
    };
  });
}

export function groupItems(aggregate) {
  return aggregate.groups.map((group) => {
    const key = JSON.stringify(Object.keys(group.key).sort().map((field) => [field, group.key[field]]));
    return {
      // Short and free of commas: hidden rows are listed in the address.
      id: `g${hashString(key).toString(36)}`, kind: "group", group, runHash: null, runs: group.runs || [],
      name: group.key["metric.name"] ?? null, context: null,
      x: group.x, y: group.line, lower: group.lower, upper: group.upper,
    };
  });
}

/** The value of a grouped item's field: from its key. */
export const groupValue = (item) => (field) => item.group.key[field] ?? null;

/** Append newer points to a shown series (live). Returns false when the x of the new
 *  points cannot be known here (custom-metric alignment): the page re-queries then. */
export function appendPoints(item, points, alignment) {
  if (!points.count) return true;
  let x;
  if (alignment === "step") x = points.steps;
  else if (alignment === "epoch") x = points.epochs;
  else if (alignment === "absolute_time") x = chartX(points.times, alignment);
  else if (alignment === "relative_time") {
    // The run's first point is where relative time starts; recover it from a point shown.
    const known = item.times.findIndex((time) => time !== null);
    if (known < 0) return false;
    const origin = item.times[known] - item.x[known];
    x = points.times.map((time) => (time === null ? null : time - origin));
  } else return false;
  const last = item.steps.length ? item.steps[item.steps.length - 1] : -Infinity;
  points.steps.forEach((step, i) => {
    if (step <= last) return;
    item.x.push(x[i]);
    item.y.push(points.values[i]);
    item.steps.push(step);
    item.epochs.push(points.epochs[i]);
    item.times.push(points.times[i]);
  });
  return true;
}
