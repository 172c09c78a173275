// Display formats shared by every page.

export function formatDuration(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${s % 60}s`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function formatDate(value) {
  if (!value) return "—";
  const date = value instanceof Date ? value : new Date(value);
  return date.toLocaleString(undefined, { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

export function formatNumber(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return value.toLocaleString();
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(4);
  return value.toFixed(abs < 1 ? 5 : 4).replace(/0+$/, "").replace(/\.$/, "");
}

/** A system figure with its unit, as the run page's Overview shows it
 *  (aimsite/values.py format_with_unit): "62.7 %", "2,120 MB", "1.23 MB/s". */
export function formatWithUnit(value, unit) {
  if (!unit || value === null || value === undefined || !Number.isFinite(value)) return formatNumber(value);
  const digits = (options) => value.toLocaleString("en-US", options);
  if (["%", "°C", "W"].includes(unit)) return `${digits({ minimumFractionDigits: 1, maximumFractionDigits: 1 })} ${unit}`;
  if (Math.abs(value) >= 100) return `${digits({ maximumFractionDigits: 0 })} ${unit}`;
  return `${digits({ maximumSignificantDigits: 3 })} ${unit}`;
}

/** The unit of a system metric from the server's table of [pattern, unit] pairs. */
export function systemUnit(label, table) {
  const found = (table || []).find(([pattern]) => new RegExp(pattern).test(label));
  return found ? found[1] : "";
}

/** How a run reads to a person: its name, or "Run <hash[:8]>" for a run without one,
 *  as Run.display_name (runs/models.py) shows it; never the whole hash. */
export function runLabel(run, hash = run?.hash) {
  return run?.name || `Run ${String(hash ?? "").slice(0, 8)}`;
}

/** "1 run", "3 runs": a count with its noun, plural unless exactly one. */
export function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
