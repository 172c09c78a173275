// Runs explorer page: the explorer shell (search bar, recent queries, sort in the
// address, selection toolbar, Live Update) over the runs table, plus the Columns
// menu, CSV export and how live events refresh the table's rows.
import { createExplorerShell } from "../../js/lib/explorer_shell.js";
import { mountRunsTable } from "../../js/lib/runs_table.js";
import { hiddenColumns, mountColumnsMenu } from "../../js/lib/runs_columns_menu.js";
import { hashesQuery, mountOpenInMenu } from "../../js/lib/explorer_links.js";

const API = "/api/v1/runs";
const HIDDEN_COLUMNS_KEY = "runs.hiddenColumns";
const DEFAULT_SORT = "-created";

let shell = null; // created below, once the table it acts on exists

const table = mountRunsTable(document.getElementById("runs-table"), {
  hiddenColumns: hiddenColumns(HIDDEN_COLUMNS_KEY),
  onSelectionChange: (selection) => shell.updateSelection(selection),
  onSortChange: (sort) => shell.setState({ sort }),
  onLoad: () => columnsMenu.render(),
  onTotalChange: (total) => shell?.setTotal(total),
  onError: (fragment) => shell.showError(fragment),
});

const columnsMenu = mountColumnsMenu(document.getElementById("columns-menu"), table, HIDDEN_COLUMNS_KEY);

// -- live events: coalesced, then only the rows they touch are re-rendered ----------

let pending = { changed: new Set(), created: new Set() };
let flushTimer = null;

function queue(kind, hashes) {
  hashes.forEach((hash) => pending[kind].add(hash));
  clearTimeout(flushTimer);
  flushTimer = setTimeout(flush, 150);
}

async function flush() {
  const { changed, created } = pending;
  pending = { changed: new Set(), created: new Set() };
  const loaded = new Set(table.loadedHashes());
  await table.refreshRows([...created], { insertNew: true });
  await table.refreshRows([...changed].filter((hash) => loaded.has(hash) && !created.has(hash)));
}

function onEvent(event) {
  switch (event.type) {
    case "run.created":
      queue("created", [event.run.hash]);
      break;
    case "run.updated":
      queue("changed", [event.run.hash]);
      break;
    case "run.tags":
      // The row's picker follows at once; re-render only when the query is about
      // tags, so a row that stops matching leaves (and an open popover stays put).
      table.applyTagsEvent(event);
      if (/\btags\b/.test(table.query)) queue("changed", [event.hash]);
      break;
    case "runs.archived":
      queue("changed", event.hashes);
      break;
    case "runs.unarchived":
      queue("created", event.hashes);
      break;
    case "runs.deleted":
      table.removeRows(event.hashes);
      break;
    default:
  }
}

// With Live Update off, new runs the query matches are only counted ("3 new runs — show").
function newItems(event) {
  if (event.type === "run.created") return table.matchingHashes([event.run.hash]);
  if (event.type === "runs.unarchived") return table.matchingHashes(event.hashes);
  return [];
}

shell = createExplorerShell({
  name: "runs",
  suggestionsUrl: `${API}/suggestions`,
  stateKeys: { sort: DEFAULT_SORT },
  table,
  live: { path: "/ws/runs/", onEvent, catchUp: () => table.reload(), newItems, isOnByDefault: true },
});
shell.setTotal(table.total);

// -- export ---------------------------------------------------------------------------

document.getElementById("export-csv").addEventListener("click", (event) => {
  const search = new URLSearchParams({ q: table.query, columns: JSON.stringify(table.visibleColumns().filter((id) => /^[pm]:/.test(id))) });
  event.currentTarget.href = `${API}/export.csv?${search}`;
});

// -- doors to the explorers: the selected runs, or the runs the query matches ---------

mountOpenInMenu(document.getElementById("open-in"), () => {
  const selection = table.selection();
  return selection.count && !selection.allMatching ? hashesQuery(selection.hashes) : table.query;
});
