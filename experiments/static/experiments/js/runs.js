// Runs tab: the explorer's runs table fixed to this experiment's query, with
// selection, the explorer's batch actions (archive, unarchive, delete) and
// "Compare in explorer" (opens the Metrics, Params or Scatters explorer on the
// selected runs, or on the whole experiment when none is selected).
import { mountRunsTable } from "../../js/lib/runs_table.js";
import { mountBatchActions } from "../../js/lib/runs_batch_actions.js";
import { hashesQuery, mountOpenInMenu } from "../../js/lib/explorer_links.js";

const container = document.getElementById("experiment-runs");
const compareMenu = document.getElementById("compare-menu");
const selectionCount = document.getElementById("selection-count");

let current = { count: 0, hashes: [], allMatching: false, query: container.dataset.query };
let batchActions = null;

function onSelectionChange(selection) {
  current = selection;
  compareMenu.title = selection.count ? "Compare the selected runs" : "Compare every run of this experiment";
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

mountOpenInMenu(compareMenu, () => (current.allMatching || !current.count ? current.query : hashesQuery(current.hashes)));
