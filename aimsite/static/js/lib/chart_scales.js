// Scales for charts we draw ourselves (the Params explorer's canvas parallel
// coordinates): Plotly's named colour scales as gradients, a colour at a point of
// one, and "nice" axis ticks (1, 2, 5 × 10ⁿ steps). Pure functions, no DOM.
//
//   colorAt("Viridis", 0.5)          -> "rgb(33,145,140)"
//   gradientStops("Portland")        -> [[0, "rgb(12,51,131)"], …]  (for a CSS or canvas gradient)
//   niceTicks(0.001, 0.1, 6)         -> [0, 0.02, 0.04, 0.06, 0.08, 0.1]  (inside the range)
import { formatNumber } from "./format.js";

// The stops of Plotly's named scales (plotly.js src/components/colorscale/scales.js),
// so a view saved while the page drew with Plotly keeps its colours.
const VIRIDIS = ["#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e", "#26828e", "#21918c",
  "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30", "#d8e219", "#fde725"];
const SCALES = {
  Viridis: VIRIDIS.map((hex, i) => [i / (VIRIDIS.length - 1), hex]),
  Bluered: [[0, "rgb(0,0,255)"], [1, "rgb(255,0,0)"]],
  Portland: [[0, "rgb(12,51,131)"], [0.25, "rgb(10,136,186)"], [0.5, "rgb(242,211,56)"], [0.75, "rgb(242,143,56)"], [1, "rgb(217,30,30)"]],
  Jet: [[0, "rgb(0,0,131)"], [0.125, "rgb(0,60,170)"], [0.375, "rgb(5,255,255)"], [0.625, "rgb(255,255,0)"], [0.875, "rgb(250,0,0)"], [1, "rgb(128,0,0)"]],
  Hot: [[0, "rgb(0,0,0)"], [0.3, "rgb(230,0,0)"], [0.6, "rgb(255,210,0)"], [1, "rgb(255,255,255)"]],
  Blackbody: [[0, "rgb(0,0,0)"], [0.2, "rgb(230,0,0)"], [0.4, "rgb(230,210,0)"], [0.7, "rgb(255,255,255)"], [1, "rgb(160,200,255)"]],
  Electric: [[0, "rgb(0,0,0)"], [0.15, "rgb(30,0,100)"], [0.4, "rgb(120,0,100)"], [0.6, "rgb(160,90,0)"], [0.8, "rgb(230,200,0)"], [1, "rgb(255,250,220)"]],
  YlGnBu: [[0, "rgb(8,29,88)"], [0.125, "rgb(37,52,148)"], [0.25, "rgb(34,94,168)"], [0.375, "rgb(29,145,192)"], [0.5, "rgb(65,182,196)"],
    [0.625, "rgb(127,205,187)"], [0.75, "rgb(199,233,180)"], [0.875, "rgb(237,248,217)"], [1, "rgb(255,255,217)"]],
  RdBu: [[0, "rgb(5,10,172)"], [0.35, "rgb(106,137,247)"], [0.5, "rgb(190,190,190)"], [0.6, "rgb(220,170,132)"], [0.7, "rgb(230,145,90)"], [1, "rgb(178,10,28)"]],
};

export const COLOR_SCALES = Object.keys(SCALES);

const rgbOf = (color) => (color.startsWith("#")
  ? [1, 3, 5].map((at) => parseInt(color.slice(at, at + 2), 16))
  : color.match(/\d+/g).map(Number));
const PARSED = Object.fromEntries(Object.entries(SCALES).map(([name, stops]) => [name, stops.map(([at, color]) => [at, rgbOf(color)])]));

export const gradientStops = (name) => SCALES[name] || SCALES.Viridis;

/** The colour at t (0…1, clamped) of a named scale, as "rgb(r,g,b)". */
export function colorAt(name, t) {
  const stops = PARSED[name] || PARSED.Viridis;
  const at = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1);
  let upper = stops.findIndex(([stop]) => stop >= at);
  if (upper <= 0) upper = Math.max(upper, 1);
  const [from, low] = stops[upper - 1];
  const [to, high] = stops[upper];
  const mix = to > from ? (at - from) / (to - from) : 0;
  return `rgb(${low.map((channel, i) => Math.round(channel + (high[i] - channel) * mix)).join(",")})`;
}

/** Ticks inside [lo, hi] at a step of 1, 2 or 5 × 10ⁿ, about `count` of them. */
export function niceTicks(lo, hi, count = 6) {
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const rough = (hi - lo) / Math.max(count - 1, 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough);
  const ticks = [];
  for (let value = Math.ceil(lo / step) * step; value <= hi + step * 1e-9; value += step) {
    ticks.push(Number(value.toPrecision(12)));
  }
  return ticks;
}

/** A tick's text: short numbers, thousands grouped, tiny or huge ones in e-notation. */
export const tickText = (value) => formatNumber(Number(value.toPrecision(6)));
