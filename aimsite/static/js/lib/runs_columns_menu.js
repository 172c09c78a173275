// The runs table's "Columns" menu (a <details> in the toolbar): one checkbox per run
// field, param and metric column, "Show all" and "Hide params & metrics". The choice
// is kept in this browser under `storageKey`.
//
//   const table = mountRunsTable(element, { hiddenColumns: hiddenColumns(storageKey), … });
//   const menu = mountColumnsMenu(details, table, storageKey);
//   menu.render();   // after the table (re)loads: its columns may have changed

import { el } from "./dom.js";
import { readStored, writeStored } from "./storage.js";

const RUN_FIELDS = ["experiment", "status", "created", "duration", "tags"];

/** The columns hidden in this browser, for the table's first render. */
export function hiddenColumns(storageKey) {
  return readStored(storageKey, []);
}

/** "param hparams.lr ▲" -> "hparams.lr": the header's text without kind and sort arrow. */
function cleanLabel(label) {
  return label.replace(/^(param|metric)\s*/, "").replace(/[▲▼↕]$/, "").trim();
}

export function mountColumnsMenu(menu, table, storageKey) {
  const list = menu.querySelector("[data-columns-list]");

  function render() {
    const labels = table.columnLabels();
    const hidden = new Set(hiddenColumns(storageKey));
    const groups = [["Run", [...RUN_FIELDS]], ["Params", []], ["Metrics", []]];
    table.columns().forEach((id) => groups[id.startsWith("m:") ? 2 : 1][1].push(id));
    const nodes = [];
    for (const [title, ids] of groups) {
      if (!ids.length) continue;
      nodes.push(el("h4", {}, title));
      for (const id of ids) {
        const box = el("input", { type: "checkbox", checked: !hidden.has(id), dataset: { column: id } });
        nodes.push(el("label", {}, [box, el("span", {}, cleanLabel(labels[id] || id))]));
      }
    }
    list.replaceChildren(...nodes);
  }

  function setHidden(ids) {
    writeStored(storageKey, [...ids]);
    table.setHiddenColumns(ids);
    render();
  }

  list.addEventListener("change", (event) => {
    const hidden = new Set(hiddenColumns(storageKey));
    if (event.target.checked) hidden.delete(event.target.dataset.column);
    else hidden.add(event.target.dataset.column);
    setHidden(hidden);
  });
  menu.querySelector("[data-columns-all]").addEventListener("click", () => setHidden(new Set()));
  menu.querySelector("[data-columns-none]").addEventListener("click", () => {
    setHidden(new Set([...hiddenColumns(storageKey), ...table.columns()]));
  });
  // A click anywhere else closes the menu, as a menu would.
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
  return { render };
}
