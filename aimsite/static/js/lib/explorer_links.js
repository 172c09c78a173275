// Links between explorers: the query that selects given runs, and the address of the
// Metrics explorer showing a query (and picked metrics). Used by the runs explorer,
// the experiment page's Runs tab and the run page's Metrics tab.
//
//   hashesQuery(["0123…", …])                         // run.hash in ["0123…", …]
//   metricsExplorerUrl(query, [{ name, context }])    // /metrics/?q=…&select=…

export const METRICS_EXPLORER_PATH = "/metrics/";

/** The AimQL query selecting exactly these runs (hashes are hex, safe to quote). */
export function hashesQuery(hashes) {
  return `run.hash in [${hashes.map((hash) => `"${hash}"`).join(", ")}]`;
}

export function metricsExplorerUrl(query, selection = []) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  if (selection.length) params.set("select", JSON.stringify(selection.map(({ name, context }) => ({ name, context }))));
  const search = params.toString();
  return search ? `${METRICS_EXPLORER_PATH}?${search}` : METRICS_EXPLORER_PATH;
}
