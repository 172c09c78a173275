// Trend lines of the Scatters explorer, pure math (no DOM, no Plotly): ordinary least
// squares, and LOESS (locally weighted linear regression with tricube weights) as
// Aim offers it, with its bandwidth: the share of the points each local fit uses.
//
//   linearFit(xs, ys)            -> { slope, intercept } or null (fewer than 2 distinct x)
//   linearTrend(xs, ys)          -> { x: [min, max], y: [...] } or null
//   loess(xs, ys, bandwidth)     -> { x: sorted distinct xs, y: fitted values } or null
//
// Pairs where x or y is not a finite number are left out.

export const DEFAULT_BANDWIDTH = 0.66;

function finitePairs(xs, ys) {
  const pairs = [];
  for (let i = 0; i < xs.length; i += 1) {
    if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) pairs.push([xs[i], ys[i]]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}

/** Weighted least squares of y on x; null when x does not vary (under the weights). */
function weightedFit(pairs, weights) {
  let sw = 0, sx = 0, sy = 0;
  pairs.forEach(([x, y], i) => { sw += weights[i]; sx += weights[i] * x; sy += weights[i] * y; });
  if (sw <= 0) return null;
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0, sxy = 0;
  pairs.forEach(([x, y], i) => { sxx += weights[i] * (x - mx) ** 2; sxy += weights[i] * (x - mx) * (y - my); });
  if (sxx <= 1e-12 * Math.max(1, mx * mx) * sw) return { slope: 0, intercept: my, isFlat: true };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, isFlat: false };
}

export function linearFit(xs, ys) {
  const pairs = finitePairs(xs, ys);
  if (pairs.length < 2) return null;
  const fit = weightedFit(pairs, pairs.map(() => 1));
  return fit && !fit.isFlat ? { slope: fit.slope, intercept: fit.intercept } : null;
}

export function linearTrend(xs, ys) {
  const fit = linearFit(xs, ys);
  if (!fit) return null;
  const pairs = finitePairs(xs, ys);
  const x = [pairs[0][0], pairs[pairs.length - 1][0]];
  return { x, y: x.map((value) => fit.intercept + fit.slope * value) };
}

const tricube = (d) => (d >= 1 ? 0 : (1 - d ** 3) ** 3);

export function loess(xs, ys, bandwidth = DEFAULT_BANDWIDTH) {
  const pairs = finitePairs(xs, ys);
  const n = pairs.length;
  if (n < 3) return null;
  // At least 3 neighbours, so a local line is defined.
  const span = Math.min(n, Math.max(3, Math.ceil(Math.min(1, Math.max(0, bandwidth)) * n)));
  const at = [...new Set(pairs.map(([x]) => x))];
  const fitted = at.map((x0) => {
    const distances = pairs.map(([x]) => Math.abs(x - x0));
    const radius = [...distances].sort((a, b) => a - b)[span - 1];
    // Every neighbour at the same x: a plain mean there.
    const weights = radius > 0 ? distances.map((d) => tricube(d / (radius * 1.000001))) : distances.map((d) => (d === 0 ? 1 : 0));
    const fit = weightedFit(pairs, weights);
    return fit ? fit.intercept + fit.slope * x0 : null;
  });
  return { x: at, y: fitted };
}
