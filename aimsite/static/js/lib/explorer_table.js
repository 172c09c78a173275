// The table under an explorer's chart (Metrics, Params, Scatters): one row per item
// (a series, a run, a group) with a select box, an optional show/hide button, the
// item's colour swatch and the page's own cells; row selection for the runs table's
// batch actions (runs_batch_actions.js acts on the runs of the selected rows); CSV
// of the shown rows. Long tables render a page of rows at a time.
//
//   const table = mountExplorerTable(tableElement, {
//     headers: (items) => ["Run", …],       // the page's columns
//     cells: (item) => [node | text | <td>, …],
//     rowLabel: (item) => "lr-0.1",          // "Select lr-0.1"
//     runsOf: (item) => [hash, …],           // the runs a row stands for
//     runOf: (hash) => run,                  // { can_edit, is_archived } when known
//     onToggle: (id) => {},                  // given: each row gets Show/Hide
//     lineLabel: (item) => "loss",           // "Hide line loss" (default: rowLabel)
//     onSelectionChange, onReload, pageSize: 500,
//   });
//   table.render(items, { hidden: Set of ids });
//   table.selection();  table.clearSelection();  table.reload();  table.csv();
import { el } from "./dom.js";

export function mountExplorerTable(table, {
  headers, cells, rowLabel, runsOf, runOf = () => undefined,
  onToggle = null, lineLabel = rowLabel, onSelectionChange = () => {}, onReload = () => {}, pageSize = 500,
}) {
  let items = [];
  let hidden = new Set();
  let shown = 0; // rows rendered so far
  const selected = new Set();
  const leading = onToggle ? 3 : 2; // select, [visibility], swatch

  const notifySelection = () => onSelectionChange(api.selection());

  function dataCell(cell) {
    return cell instanceof HTMLTableCellElement ? cell : el("td", {}, cell);
  }

  function renderRow(item) {
    const isHidden = hidden.has(item.id);
    const select = el("input", {
      type: "checkbox", checked: selected.has(item.id),
      attrs: { "aria-label": `Select ${rowLabel(item)}` },
      on: { change: (event) => { if (event.target.checked) selected.add(item.id); else selected.delete(item.id); notifySelection(); } },
    });
    const toggle = onToggle ? el("td", "col-visibility", el("button", {
      type: "button", className: "btn-link row-visibility", text: isHidden ? "Show" : "Hide",
      attrs: { "aria-pressed": String(isHidden), "aria-label": `${isHidden ? "Show" : "Hide"} line ${lineLabel(item)}` },
      on: { click: () => onToggle(item.id) },
    })) : null;
    return el("tr", { className: isHidden ? "is-hidden-line" : "", dataset: { id: item.id, hash: item.runHash ?? "" } }, [
      el("td", "col-select", select),
      toggle,
      el("td", "col-swatch", el("span", { className: "swatch", style: { "--swatch": item.color || "transparent" }, attrs: { "aria-hidden": "true" } })),
      ...cells(item).map(dataCell),
    ]);
  }

  function moreRow(body) {
    const rest = items.length - shown;
    const button = el("button", {
      type: "button", className: "btn btn-sm", text: `Show ${Math.min(rest, pageSize)} more of ${rest}`,
      on: { click: () => { row.remove(); appendRows(body); } },
    });
    const row = el("tr", "table-more", el("td", { colSpan: leading + headers(items).length }, button));
    return row;
  }

  function appendRows(body) {
    const next = items.slice(shown, shown + pageSize);
    shown += next.length;
    body.append(...next.map(renderRow));
    if (shown < items.length) body.append(moreRow(body));
  }

  const api = {
    render(nextItems, { hidden: nextHidden = new Set() } = {}) {
      items = nextItems;
      hidden = nextHidden;
      const ids = new Set(items.map((item) => item.id));
      [...selected].forEach((id) => { if (!ids.has(id)) selected.delete(id); });
      const selectAll = el("input", {
        type: "checkbox", checked: items.length > 0 && selected.size === items.length,
        attrs: { "aria-label": "Select all rows" },
        on: { change: (event) => { items.forEach((item) => (event.target.checked ? selected.add(item.id) : selected.delete(item.id))); api.render(items, { hidden }); notifySelection(); } },
      });
      const body = el("tbody");
      shown = 0;
      appendRows(body);
      table.replaceChildren(
        el("thead", {}, el("tr", {}, [
          el("th", "col-select", selectAll), onToggle ? el("th", "col-visibility", "") : null, el("th", "col-swatch", ""),
          ...headers(items).map((text) => el("th", {}, text)),
        ])),
        body,
      );
      notifySelection();
    },
    /** The rendered rows, for a page that fills cells in place (hover values). */
    renderedItems: () => items.slice(0, shown),
    selection() {
      const hashes = [...new Set(items.filter((item) => selected.has(item.id)).flatMap(runsOf))];
      const runs = hashes.map(runOf).filter(Boolean);
      return {
        allMatching: false, hashes, count: hashes.length, query: "",
        // Archived runs show only when the query asks for them: then either may apply.
        hasArchived: runs.some((run) => run.is_archived !== false),
        hasUnarchived: runs.length < hashes.length || runs.some((run) => !run.is_archived),
        notEditable: runs.filter((run) => run.can_edit === false).length,
      };
    },
    clearSelection() {
      selected.clear();
      notifySelection();
    },
    reload: () => onReload(),
    csv() {
      const lines = items.filter((item) => !hidden.has(item.id)).map((item) => cells(item).map((cell) => (cell?.textContent ?? String(cell ?? "")).trim()));
      return [headers(items), ...lines].map((row) => row.map(csvCell).join(",")).join("\r\n");
    },
  };
  return api;
}

function csvCell(text) {
  const value = String(text ?? "");
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Download text as a file named `name` (the tables' Export CSV). */
export function downloadText(text, name, type = "text/csv;charset=utf-8") {
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
