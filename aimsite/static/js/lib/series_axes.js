// The axis layout of lib/series_canvas.js, done as Plotly does it with series_chart's
// layout, so that Plotly's take-over of a canvas-drawn chart shows no jump (issue 17):
// autorange (x tight to the lines, y padded by 5% of the axis length), tick spacing
// (1/2/5 steps, whole powers of ten on a log axis, calendar steps on a date axis) and
// tick labels (exponents, SI suffixes, date heads). Pure functions, no DOM.
//
//   const toData = dataOf(axis);        // value -> layout units (log10 on a log axis,
//                                       // local ms on a date one); null: NaN
//   const range = rangeOf(axis, columns, isPadded);  // axis.range, or the autorange
//   axisTicks(axis, range, lengthPx, minPixels, exponentFormat);
//                                       // {values, labels}: each label a list of lines
import { MIN_LOG_VALUE } from "./series_math.js";

const MINUS = "\u2212";
const SI_PREFIXES = ["f", "p", "n", "μ", "m", "", "k", "M", "G", "T"];
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Date values as Plotly counts them: the local wall time's milliseconds, as if UTC,
// so ticks fall on local minutes, hours and days and read with UTC getters.
const localMs = (value) => {
  const date = value instanceof Date ? value : new Date(value);
  return date.getTime() - date.getTimezoneOffset() * MINUTE;
};

export function dataOf(axis) {
  if (axis.type === "date") return (value) => (value === null || value === undefined ? NaN : localMs(value));
  if (axis.type === "log") return (value) => (value === null ? NaN : Math.log10(Math.max(value, MIN_LOG_VALUE)));
  return (value) => (value === null ? NaN : Number(value));
}

function extent(columns, toData) {
  let low = Infinity;
  let high = -Infinity;
  for (const column of columns) {
    for (const value of column) {
      const v = toData(value);
      if (Number.isFinite(v)) { if (v < low) low = v; if (v > high) high = v; }
    }
  }
  return low <= high ? [low, high] : null;
}

/** Plotly's autorange: tight, or padded by 5% of the axis length at each end. */
function autorange(columns, toData, isPadded) {
  const found = extent(columns, toData);
  if (!found) return [-1, 6];
  const [low, high] = found;
  if (low === high) return [low - 1, high + 1];
  const pad = isPadded ? (high - low) / 18 : 0;
  return [low - pad, high + pad];
}

export function rangeOf(axis, columns, isPadded) {
  if (!axis.range) return autorange(columns, dataOf(axis), isPadded);
  const toData = dataOf(axis);
  return axis.range.map(toData);
}

const firstAbove = (value, choices) => choices.find((choice) => choice > value) ?? choices[choices.length - 1];

function linearTicks(range, length, minPixels) {
  const count = Math.min(Math.max(length / minPixels, 4), 9) + 1;
  const rough = Math.abs(range[1] - range[0]) / count;
  const base = 10 ** Math.floor(Math.log10(rough));
  const step = base * firstAbove(rough / base, [2, 5, 10]);
  return { step, values: stepsBetween(range, step, 0) };
}

function stepsBetween([low, high], step, origin) {
  const values = [];
  const first = origin + Math.ceil((low - origin) / step - 1e-9) * step;
  for (let value = first; value <= high + step * 1e-9; value += step) values.push(value);
  return values;
}

/** Plotly's linear tick labels ("B" = SI suffixes past 10^3, "e" = 1.5e+4). */
function linearLabels(values, step, range, exponentFormat, suffix) {
  let round = 2 - Math.floor(Math.log10(step) + 0.01);
  const biggest = Math.max(Math.abs(range[0]), Math.abs(range[1]));
  const rangeExponent = Math.floor(Math.log10(biggest) + 0.01);
  let exponent = 0;
  if (Math.abs(rangeExponent) > 3) {
    const isSI = exponentFormat === "B" && rangeExponent > -16 && rangeExponent < 16;
    exponent = isSI ? 3 * Math.round((rangeExponent - 1) / 3) : rangeExponent;
  }
  round += exponent;
  return values.map((value) => {
    if (Math.abs(value / step) < 1e-6) return `0${suffix}`;
    const magnitude = Math.abs(value) * 10 ** -exponent;
    let text = round <= 0 ? String(Math.round(magnitude)) : magnitude.toFixed(round).replace(/\.?0+$/, "");
    const [whole, fraction] = text.split(".");
    if (whole.length > 4) text = whole.replace(/\B(?=(\d{3})+$)/g, ",") + (fraction ? `.${fraction}` : "");
    if (exponent) {
      if (exponentFormat === "B" && Math.abs(exponent) < 16) text += exponent === 9 ? "B" : SI_PREFIXES[exponent / 3 + 5];
      else text += `e${exponent < 0 ? MINUS + -exponent : `+${exponent}`}`;
    }
    return `${value < 0 ? MINUS : ""}${text}${suffix}`;
  });
}

const pad2 = (n) => String(n).padStart(2, "0");

function dateTicks(range, length) {
  const count = Math.min(Math.max(length / 80, 4), 9) + 1;
  const rough = Math.abs(range[1] - range[0]) / count;
  let step;
  let round;
  if (2 * rough > 30 * DAY) {
    const months = 2 * rough > 365 * DAY ? 12 * Math.max(1, Math.round(rough / (365 * DAY))) : firstAbove(rough / (30.4 * DAY), [1, 2, 3, 6, 12]);
    const values = [];
    const start = new Date(range[0]);
    let year = start.getUTCFullYear();
    let month = Math.ceil((start.getUTCMonth() + (start.getUTCDate() > 1 ? 1 : 0)) / months) * months;
    for (;;) {
      const value = Date.UTC(year, month, 1);
      if (value > range[1]) break;
      values.push(value);
      month += months;
      if (month >= 12) { year += Math.floor(month / 12); month %= 12; }
    }
    return { values, round: months % 12 === 0 ? "y" : "m" };
  }
  if (2 * rough > DAY) { step = DAY * firstAbove(rough / DAY, [1, 2, 3, 7, 14]); round = "d"; }
  else if (2 * rough > HOUR) { step = HOUR * firstAbove(rough / HOUR, [1, 2, 3, 6, 12]); round = "M"; }
  else if (2 * rough > MINUTE) { step = MINUTE * firstAbove(rough / MINUTE, [1, 2, 5, 10, 15, 30]); round = "M"; }
  else { step = SECOND * firstAbove(rough / SECOND, [1, 2, 5, 10, 15, 30]); round = "S"; }
  // Week steps start on a Sunday (2000-01-02), as Plotly's do.
  return { values: stepsBetween(range, step, step >= 7 * DAY ? Date.UTC(2000, 0, 2) : 0), round };
}

/** Each date tick's label lines: the time or day, and a head line (the date, or the
 *  year) on the first tick and wherever the head changes, as Plotly shows them. */
function dateLabels(values, round) {
  let lastHead = null;
  return values.map((value) => {
    const date = new Date(value);
    const day = `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
    let text;
    let head = null;
    if (round === "y") text = String(date.getUTCFullYear());
    else if (round === "m") text = `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
    else if (round === "d") { text = day; head = String(date.getUTCFullYear()); }
    else {
      text = `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}`;
      if (round === "S") text += `:${pad2(date.getUTCSeconds())}`;
      head = `${day}, ${date.getUTCFullYear()}`;
    }
    if (head === null || head === lastHead) return [text];
    lastHead = head;
    return [text, head];
  });
}

export function axisTicks(axis, range, length, minPixels, exponentFormat) {
  if (axis.type === "date") {
    const { values, round } = dateTicks(range, length);
    return { values, labels: dateLabels(values, round) };
  }
  if (axis.type === "log") {
    // Whole powers of ten, labelled as the linear axis would label each alone.
    const values = stepsBetween(range, Math.max(1, Math.round(linearTicks(range, length, minPixels).step)), 0);
    const label = (power) => linearLabels([10 ** power], 10 ** power, [0, 10 ** power], exponentFormat, axis.suffix || "");
    return { values, labels: values.map(label) };
  }
  const { step, values } = linearTicks(range, length, minPixels);
  return { values, labels: linearLabels(values, step, range, exponentFormat, axis.suffix || "").map((text) => [text]) };
}
