// Links between explorers: the query that selects given runs, the address of the
// Metrics explorer showing a query (and picked metrics), and the "Open in …" menu
// (templates/runs/explorers/_open_in_menu.html) of every explorer that compares
// runs. Used by the runs explorer, the experiment page's Runs tab and the run
// page's Metrics tab.
//
//   hashesQuery(["0123…", …])                         // run.hash in ["0123…", …]
//   metricsExplorerUrl(query, [{ name, context }])    // /metrics/?q=…&select=…
//   mountOpenInMenu(detailsElement, () => query)      // each link opens its explorer on it

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

/** Point each link of an "Open in …" menu at its explorer with the query in force
 *  when it is clicked (the selection may have changed since the menu opened). */
export function mountOpenInMenu(menu, queryOf) {
  for (const link of menu.querySelectorAll("[data-explorer]")) {
    link.addEventListener("click", () => {
      const query = queryOf();
      const path = new URL(link.href, location.href).pathname;
      link.href = query ? `${path}?${new URLSearchParams({ q: query })}` : path;
    });
  }
  document.addEventListener("click", (event) => { if (menu.open && !menu.contains(event.target)) menu.open = false; });
}
