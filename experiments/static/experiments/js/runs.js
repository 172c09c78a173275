// Runs tab: select runs and open them together in the runs explorer.
const table = document.getElementById("experiment-runs-table");
const compareButton = document.getElementById("compare-button");
const selectionCount = document.getElementById("selection-count");
const explorerUrl = document.getElementById("experiment-runs-script").dataset.explorerUrl;

/** The explorer query selecting exactly these runs (hashes are hex, safe to quote). */
export function hashesQuery(hashes) {
  return `run.hash in [${hashes.map((hash) => `"${hash}"`).join(", ")}]`;
}

function selectedHashes() {
  return [...table.querySelectorAll(".row-select:checked")].map((box) => box.value);
}

function refresh() {
  const hashes = selectedHashes();
  compareButton.disabled = hashes.length === 0;
  selectionCount.textContent = hashes.length ? `${hashes.length} selected` : "";
  const boxes = table.querySelectorAll(".row-select");
  const pageBox = document.getElementById("select-page");
  pageBox.checked = hashes.length > 0 && hashes.length === boxes.length;
  pageBox.indeterminate = hashes.length > 0 && hashes.length < boxes.length;
}

if (table) {
  table.addEventListener("change", (event) => {
    if (event.target.id === "select-page") {
      table.querySelectorAll(".row-select").forEach((box) => { box.checked = event.target.checked; });
    }
    refresh();
  });
  compareButton.addEventListener("click", () => {
    const params = new URLSearchParams({ q: hashesQuery(selectedHashes()) });
    window.location.assign(`${explorerUrl}?${params}`);
  });
  refresh();
}
