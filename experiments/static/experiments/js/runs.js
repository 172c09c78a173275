// Runs tab: the explorer's runs table fixed to this experiment's query, with
// selection, the explorer's batch actions (archive, unarchive, delete) and
// "Compare in explorer" (opens the explorer with those runs' query).
import { mountRunsTable } from "../../js/lib/runs_table.js";
import { mountBatchActions } from "../../js/lib/runs_batch_actions.js";

const container = document.getElementById("experiment-runs");
const compareButton = document.getElementById("compare-button");
const selectionCount = document.getElementById("selection-count");

/** The explorer query selecting exactly these runs (hashes are hex, safe to quote). */
export function hashesQuery(hashes) {
  return `run.hash in [${hashes.map((hash) => `"${hash}"`).join(", ")}]`;
}

let current = { count: 0, hashes: [], allMatching: false, query: container.dataset.query };
let batchActions = null;

function onSelectionChange(selection) {
  current = selection;
  compareButton.disabled = !selection.count;
  selectionCount.textContent = selection.count ? `${selection.count} selected` : "";
  batchActions?.update(selection);
}

const table = mountRunsTable(container, {
  url: container.dataset.tableUrl,
  query: container.dataset.query,
  selectable: true,
  onSelectionChange,
});
batchActions = mountBatchActions(document.querySelector(".runs-toolbar"), table);

compareButton.addEventListener("click", () => {
  const query = current.allMatching ? current.query : hashesQuery(current.hashes);
  window.location.assign(`${container.dataset.explorerUrl}?${new URLSearchParams({ q: query })}`);
});
