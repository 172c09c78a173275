// Pure math for the charts (lib/series_chart.js: the explorers and the run page): the one
// smoothing module (Aim's EMA, optionally debiased as TensorBoard does, and the centred
// moving average), Aim's outlier rules, persistent colours and strokes, and the binary search
// behind hover lookups. No DOM, no Plotly: tests import it and check numbers.
//
//   smoothValues(values, "ema" | "ema_debiased" | "cma" | "none", factor)
//   outlierBounds([values, values, ...])  -> [min, max] or null
//   colorFor(key), strokeFor(key)         -> the same colour / dash for the same key
//   nearestIndex(sortedXs, x)             -> index of the x closest to x
//
// Values are arrays of numbers where null stands for a missing or non-finite point.

// Aim's defaults (research/explorers.md §1, "Chart smoothing").
export const SMOOTHING_DEFAULTS = { ema: 0.6, cma: 59 };
export const SMOOTHING_RANGES = {
  ema: { min: 0, max: 0.99, step: 0.01 },
  cma: { min: 1, max: 99, step: 2 },
};
// A log axis cannot show values <= 0; Aim clamps them to this (MIN_LOG_VALUE).
export const MIN_LOG_VALUE = 1e-8;
const OUTLIER_IQR_FACTOR = 4;

// 20 distinguishable colours; a group keeps its colour because the index comes from
// a hash of its key, not from the order groups happen to arrive in.
export const PALETTE = [
  "#1473e6", "#e6550d", "#18ab6d", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
  "#bcbd22", "#3b4cc0", "#ff9f1c", "#2ca02c", "#b5179e", "#0b7a75", "#7f7f7f", "#f4a261",
  "#5f0f40", "#4d908e", "#c9184a", "#6a994e",
];
// The dash styles scattergl can draw.
export const STROKES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];

const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

/** Exponential moving average as Aim computes it: s[0] = x[0],
 *  s[i] = s[i-1]·f + x[i]·(1 − f). Missing points stay missing and are skipped.
 *  With `debias`, TensorBoard's variant: start from 0 and divide the n-th value by
 *  1 − fⁿ (the run page's slider keeps the smoothing its users know from TensorBoard). */
export function ema(values, factor, { debias = false } = {}) {
  const out = new Array(values.length).fill(null);
  let last = debias ? 0 : null;
  let count = 0;
  for (let i = 0; i < values.length; i += 1) {
    if (!isNumber(values[i])) continue;
    count += 1;
    last = last === null ? values[i] : last * factor + values[i] * (1 - factor);
    out[i] = debias ? last / (1 - factor ** count) : last;
  }
  return out;
}

/** Centred moving average: the mean of a window of `size` points centred on each
 *  point, truncated at the ends (Aim's CMA). Missing points count for nothing. */
export function cma(values, size) {
  const half = Math.floor(Math.max(1, Math.round(size)) / 2);
  const sums = [0];
  const counts = [0];
  values.forEach((value, i) => {
    sums.push(sums[i] + (isNumber(value) ? value : 0));
    counts.push(counts[i] + (isNumber(value) ? 1 : 0));
  });
  return values.map((value, i) => {
    if (!isNumber(value)) return null;
    const from = Math.max(0, i - half);
    const to = Math.min(values.length, i + half + 1);
    return (sums[to] - sums[from]) / (counts[to] - counts[from]);
  });
}

export function smoothValues(values, algorithm, factor) {
  if (algorithm === "ema") return ema(values, Number(factor));
  if (algorithm === "ema_debiased") return ema(values, Number(factor), { debias: true });
  if (algorithm === "cma") return cma(values, Number(factor));
  return values;
}

/** The q-quantile of sorted numbers, interpolated linearly (as d3.quantile). */
export function quantile(sorted, q) {
  if (!sorted.length) return null;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** One line's values without its outliers, Aim's way: sorted, then the value
 *  furthest from the mean is dropped while it lies more than 4·IQR from the mean
 *  (the IQR of the whole line, the mean of what is left). */
export function withoutOutliers(values) {
  const sorted = values.filter(isNumber).sort((a, b) => a - b);
  if (sorted.length < 3) return sorted;
  const limit = OUTLIER_IQR_FACTOR * (quantile(sorted, 0.75) - quantile(sorted, 0.25));
  let low = 0;
  let high = sorted.length - 1;
  let sum = sorted.reduce((total, value) => total + value, 0);
  while (high > low) {
    const mean = sum / (high - low + 1);
    const lowDistance = mean - sorted[low];
    const highDistance = sorted[high] - mean;
    if (Math.max(lowDistance, highDistance) <= limit) break;
    if (highDistance >= lowDistance) { sum -= sorted[high]; high -= 1; } else { sum -= sorted[low]; low += 1; }
  }
  return sorted.slice(low, high + 1);
}

/** The y bounds that ignore outliers across several lines; null when nothing is finite.
 *  Only the axis changes: no point is dropped from a line. */
export function outlierBounds(lines) {
  let min = Infinity;
  let max = -Infinity;
  for (const values of lines) {
    const kept = withoutOutliers(values);
    if (!kept.length) continue;
    min = Math.min(min, kept[0]);
    max = Math.max(max, kept[kept.length - 1]);
  }
  return min <= max ? [min, max] : null;
}

/** FNV-1a: a small, stable 32-bit hash of a string. */
export function hashString(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function colorIndex(key) {
  return hashString(String(key)) % PALETTE.length;
}

export const colorFor = (key) => PALETTE[colorIndex(key)];

/** A colour for each key: its hashed palette slot, or when another key of the same
 *  view holds that slot, the next free one (keys taken in sorted order, so the same
 *  set of groups always gets the same colours). Past the palette's size colours repeat. */
export function assignColors(keys) {
  const taken = new Map();
  const colors = new Map();
  for (const key of [...new Set(keys.map(String))].sort()) {
    let index = colorIndex(key);
    if (taken.size < PALETTE.length) while (taken.has(index)) index = (index + 1) % PALETTE.length;
    taken.set(index, key);
    colors.set(key, PALETTE[index]);
  }
  return colors;
}
export const strokeFor = (key) => STROKES[hashString(String(key)) % STROKES.length];

/** Index of the value nearest to x in ascending xs (nulls not allowed); -1 if empty.
 *  Binary search: hovering over 800 lines stays cheap. */
export function nearestIndex(xs, x) {
  if (!xs.length) return -1;
  let low = 0;
  let high = xs.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (xs[middle] < x) low = middle; else high = middle;
  }
  return Math.abs(xs[low] - x) <= Math.abs(xs[high] - x) ? low : high;
}

/** The points of a series reordered by ascending x, points without an x left out
 *  (an x from a custom metric need not grow with the step). */
export function sortedByX(columns, keys) {
  const order = columns.x.map((_, i) => i).filter((i) => isNumber(columns.x[i]));
  const isSorted = order.length === columns.x.length && order.every((i, k) => k === 0 || columns.x[order[k - 1]] <= columns.x[i]);
  if (isSorted) return columns;
  order.sort((a, b) => columns.x[a] - columns.x[b]);
  const out = { ...columns };
  for (const key of ["x", ...keys]) if (Array.isArray(columns[key])) out[key] = order.map((i) => columns[key][i]);
  return out;
}
