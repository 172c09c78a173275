// The runs table: server-rendered partials (templates/runs/_runs_table.html) that
// this module loads, sorts, pages (infinite scroll), selects and live-refreshes.
// Used by the runs explorer and by the experiment page's Runs tab (fixed query).
//
//   const table = mountRunsTable(element, { query, sort, selectable, hiddenColumns,
//                                           onSelectionChange, onSortChange, onLoad });
//   table.reload({ query, sort }); table.selection(); table.refreshRows(hashes); …
//   table.applyTagsEvent(event);  // a live `run.tags` event: update that row's tag picker
//   table.matchingHashes(hashes);  // which of these runs the query matches (a Promise)
//
// The total (the footer's "N runs") changes in one place, setTotal, which also tells
// options.onTotalChange, so the page header and the footer never disagree.
//
// Every row carries data-can-edit (owner or staff), rendered by the server for first
// loads, more rows and live refreshes alike; the tag picker and selection() read it.
// The Tags cell of every row is a tag picker (js/lib/tag_picker.js): the server renders
// the chips plus data-tags, and this module mounts a picker on each row as rows arrive (first load, more rows, live refresh). A refreshed
// row keeps its picker (an open "Select tag" popover survives live updates); pickers of
// rows that leave the page are destroyed.

import { el, parseHtml } from "./dom.js";
import { formatDuration, plural } from "./format.js";
import { mountTagPicker, applyTagsEvent } from "./tag_picker.js";

const DEFAULT_URL = "/runs/table";

export function mountRunsTable(element, options = {}) {
  const state = {
    url: options.url || element.dataset.tableUrl || DEFAULT_URL,
    query: options.query ?? element.dataset.query ?? "",
    sort: options.sort || element.dataset.sort || "-created",
    selectable: options.selectable !== false,
    hidden: new Set(options.hiddenColumns || []),
    selected: new Set(),
    allMatching: false,
    loading: false,
    columns: [],
    total: null,
    nextCursor: "",
  };
  const notify = () => options.onSelectionChange?.(api.selection());
  const pickers = new WeakMap(); // tags cell -> its tag picker
  let observer = null;
  let tickTimer = null;

  const root = () => element.querySelector(".runs-table-root");
  const tbody = () => element.querySelector("tbody[data-rows]");
  const rowFor = (hash) => tbody()?.querySelector(`tr[data-hash="${CSS.escape(hash)}"]`);

  function params(extra = {}) {
    const search = new URLSearchParams({ q: state.query, sort: state.sort, selectable: state.selectable ? "1" : "0" });
    for (const [key, value] of Object.entries(extra)) search.set(key, value);
    return search;
  }

  async function fetchHtml(search) {
    const response = await fetch(`${state.url}?${search}`, { credentials: "same-origin", headers: { Accept: "text/html" } });
    return { ok: response.ok, status: response.status, html: await response.text() };
  }

  function setTotal(total) {
    state.total = total;
    const label = element.querySelector("[data-count-label]");
    if (label) label.textContent = total === null ? "" : plural(total, "run");
    options.onTotalChange?.(total);
  }

  function readRoot() {
    const node = root();
    if (!node) return;
    state.columns = JSON.parse(node.dataset.columns || "[]");
    state.nextCursor = node.dataset.nextCursor || "";
    setTotal(node.dataset.total === "" ? null : Number(node.dataset.total));
  }

  function applyHidden(scope = element) {
    scope.querySelectorAll("[data-col]").forEach((cell) => {
      cell.classList.toggle("is-hidden-col", state.hidden.has(cell.dataset.col));
    });
  }

  function syncRowSelection(row) {
    const box = row.querySelector("[data-select-row]");
    if (!box) return;
    box.checked = state.allMatching || state.selected.has(row.dataset.hash);
    row.classList.toggle("is-selected", box.checked);
  }

  function syncHeader() {
    const boxes = [...element.querySelectorAll("[data-select-row]")];
    const pageBox = element.querySelector("[data-select-page]");
    if (pageBox) {
      const checked = boxes.filter((box) => box.checked).length;
      pageBox.checked = boxes.length > 0 && checked === boxes.length;
      pageBox.indeterminate = checked > 0 && checked < boxes.length;
    }
    renderBanner(boxes.length);
  }

  function renderBanner(loaded) {
    const banner = element.querySelector("[data-select-banner]");
    if (!banner) return;
    banner.replaceChildren();
    const pageFull = loaded > 0 && state.selected.size === loaded;
    if (state.allMatching) {
      banner.append(`All ${state.total} runs matching the query are selected. `);
      banner.append(linkButton("Clear selection", () => api.clearSelection()));
    } else if (pageFull && state.total && state.total > loaded) {
      banner.append(`All ${loaded} loaded runs are selected. `);
      banner.append(linkButton(`Select all ${state.total} runs matching the query`, () => {
        state.allMatching = true;
        refreshSelection();
      }));
    }
    banner.hidden = banner.childNodes.length === 0;
  }

  function linkButton(label, onClick) {
    return el("button", { type: "button", className: "btn-link", text: label, on: { click: onClick } });
  }

  function refreshSelection() {
    tbody()?.querySelectorAll("tr[data-hash]").forEach(syncRowSelection);
    syncHeader();
    notify();
  }

  function wireRows(scope) {
    applyHidden(scope);
    const rows = scope.matches?.("tr[data-hash]") ? [scope] : [...scope.querySelectorAll("tr[data-hash]")];
    rows.forEach((row) => {
      syncRowSelection(row);
      mountPicker(row);
    });
  }

  const tagsCell = (row) => row?.querySelector("td[data-tag-picker]");

  function readTags(cell) {
    try { return JSON.parse(cell.dataset.tags || "[]"); } catch { return []; }
  }

  function mountPicker(row) {
    const cell = tagsCell(row);
    if (!cell || pickers.has(cell)) return;
    pickers.set(cell, mountTagPicker(cell, {
      runHash: row.dataset.hash,
      tags: readTags(cell),
      canEdit: row.dataset.canEdit === "true",
      emptyText: "",
      onChange: (tags) => { cell.dataset.tags = JSON.stringify(tags); },
    }));
  }

  function destroyPickers(scope) {
    scope.querySelectorAll("td[data-tag-picker]").forEach((cell) => {
      pickers.get(cell)?.destroy();
      pickers.delete(cell);
    });
  }

  /** Put the re-rendered `row` in place of `existing`; returns the row now on the page.
   *  The tags cell stays (connected, so an open popover stays open) and gets the fresh
   *  tags; the row's attributes and other cells are replaced. */
  function replaceRow(existing, row) {
    const oldCell = tagsCell(existing);
    const newCell = tagsCell(row);
    const picker = oldCell && pickers.get(oldCell);
    if (!picker || !newCell || existing.dataset.canEdit !== row.dataset.canEdit) {
      destroyPickers(existing);
      existing.replaceWith(row);
      return row;
    }
    picker.update(readTags(newCell));
    existing.getAttributeNames().filter((name) => !row.hasAttribute(name)).forEach((name) => existing.removeAttribute(name));
    row.getAttributeNames().forEach((name) => existing.setAttribute(name, row.getAttribute(name)));
    const cells = [...row.children];
    const at = cells.indexOf(newCell);
    [...existing.children].forEach((cell) => { if (cell !== oldCell) cell.remove(); });
    oldCell.before(...cells.slice(0, at));
    oldCell.after(...cells.slice(at + 1));
    return existing;
  }

  function tickDurations() {
    element.querySelectorAll("[data-live-duration]").forEach((cell) => {
      const created = Date.parse(cell.dataset.created);
      if (!Number.isNaN(created)) cell.textContent = formatDuration((Date.now() - created) / 1000);
    });
  }

  function observeMore() {
    observer?.disconnect();
    const more = element.querySelector("[data-load-more]");
    if (!more || !state.nextCursor) return;
    observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    }, { root: element.querySelector(".runs-table-wrap"), rootMargin: "200px" });
    const last = tbody()?.lastElementChild;
    if (last) observer.observe(last);
  }

  function mounted() {
    readRoot();
    wireRows(element);
    syncHeader();
    observeMore();
    options.onLoad?.(api);
  }

  async function reload(next = {}) {
    if (next.query !== undefined) state.query = next.query;
    if (next.sort !== undefined) state.sort = next.sort;
    state.selected.clear();
    state.allMatching = false;
    const { ok, html } = await fetchHtml(params());
    if (!ok) {
      options.onError?.(parseHtml(html));
      return;
    }
    destroyPickers(element);
    element.replaceChildren(parseHtml(html));
    mounted();
    notify();
  }

  async function loadMore() {
    if (state.loading || !state.nextCursor) return;
    state.loading = true;
    try {
      const { ok, html } = await fetchHtml(params({ rows: "1", cursor: state.nextCursor, columns: JSON.stringify(state.columns) }));
      if (!ok) return;
      const fragment = parseHtml(html);
      const body = fragment.querySelector("tbody");
      state.nextCursor = body?.dataset.nextCursor || "";
      const known = new Set([...tbody().querySelectorAll("tr[data-hash]")].map((row) => row.dataset.hash));
      const rows = [...(body?.querySelectorAll("tr[data-hash]") || [])].filter((row) => !known.has(row.dataset.hash));
      rows.forEach((row) => wireRows(row));
      tbody().append(...rows);
      element.querySelector("[data-load-more]").hidden = !state.nextCursor;
      syncHeader();
      observeMore();
    } finally {
      state.loading = false;
    }
  }

  const api = {
    reload,
    loadMore,
    get query() { return state.query; },
    get sort() { return state.sort; },
    get total() { return state.total; },
    columns: () => [...state.columns],
    columnLabels() {
      const labels = {};
      element.querySelectorAll("thead th[data-col]").forEach((th) => { labels[th.dataset.col] = th.title || th.textContent.trim(); });
      return labels;
    },
    visibleColumns: () => state.columns.filter((id) => !state.hidden.has(id)),
    setHiddenColumns(ids) {
      state.hidden = new Set(ids);
      applyHidden();
    },
    selection() {
      const rows = [...state.selected].map(rowFor).filter(Boolean);
      return {
        allMatching: state.allMatching,
        hashes: [...state.selected],
        count: state.allMatching ? state.total : state.selected.size,
        query: state.query,
        hasArchived: state.allMatching || rows.some((row) => row.dataset.archived === "true"),
        hasUnarchived: state.allMatching || rows.some((row) => row.dataset.archived !== "true"),
        // Selected runs the user may not change; unknown (null) for a selection by
        // query, which the server counts (js/lib/runs_batch_actions.js).
        notEditable: state.allMatching ? null : rows.filter((row) => row.dataset.canEdit !== "true").length,
      };
    },
    clearSelection() {
      state.selected.clear();
      state.allMatching = false;
      refreshSelection();
    },
    async matchingHashes(hashes) {
      if (!hashes.length) return [];
      const { ok, html } = await fetchHtml(params({ rows: "1", hashes: hashes.join(","), columns: JSON.stringify(state.columns) }));
      return ok ? [...parseHtml(html).querySelectorAll("tr[data-hash]")].map((row) => row.dataset.hash) : [];
    },
    loadedHashes: () => [...(tbody()?.querySelectorAll("tr[data-hash]") || [])].map((row) => row.dataset.hash),
    /** Re-render these rows if they still match the query; drop the ones that don't.
     *  insertNew: rows not on the page yet are added at the top (new runs). */
    async refreshRows(hashes, { insertNew = false } = {}) {
      if (!hashes.length || !tbody()) {
        if (insertNew && hashes.length && !tbody()) await reload();
        return;
      }
      const { ok, html } = await fetchHtml(params({ rows: "1", hashes: hashes.join(","), columns: JSON.stringify(state.columns) }));
      if (!ok) return;
      const fresh = new Map([...parseHtml(html).querySelectorAll("tr[data-hash]")].map((row) => [row.dataset.hash, row]));
      for (const hash of hashes) {
        const existing = rowFor(hash);
        let row = fresh.get(hash);
        if (existing && row) {
          row = replaceRow(existing, row);
          wireRows(row);
        } else if (existing) {
          api.removeRows([hash]);
          continue;
        } else if (row && insertNew) {
          wireRows(row);
          tbody().prepend(row);
          if (state.total !== null) setTotal(state.total + 1);
        } else {
          continue;
        }
        if (row.classList.contains("flash")) {
          row.classList.remove("flash");
          void row.offsetWidth; // restart the animation of a row kept from before
        }
        row.classList.add("flash");
      }
      syncHeader();
      // A refreshed row may have changed what the selection allows (archived, owner),
      // and a new run changes what "all matching" holds.
      if (state.allMatching || hashes.some((hash) => state.selected.has(hash))) notify();
    },
    removeRows(hashes) {
      let removed = 0;
      for (const hash of hashes) {
        const row = rowFor(hash);
        if (row) { destroyPickers(row); row.remove(); removed += 1; }
        state.selected.delete(hash);
      }
      if (removed && state.total !== null) setTotal(Math.max(0, state.total - removed));
      refreshSelection();
      return removed;
    },
    applyTagsEvent(event) {
      const cell = tagsCell(rowFor(event.hash));
      return cell ? applyTagsEvent(cell, event) : false;
    },
    destroy() {
      observer?.disconnect();
      clearInterval(tickTimer);
      destroyPickers(element);
    },
  };

  // Clicks and checkboxes inside a tag picker belong to it, never to the table.
  const inPicker = (event) => Boolean(event.target.closest?.(".tag-picker"));
  element.addEventListener("click", (event) => {
    if (inPicker(event)) return;
    const sortButton = event.target.closest("button.sort-btn[data-sort]");
    if (sortButton && element.contains(sortButton)) {
      const column = sortButton.dataset.sort;
      const next = state.sort === `-${column}` ? column : `-${column}`;
      options.onSortChange?.(next);
      reload({ sort: next });
      return;
    }
    if (event.target.closest("[data-load-more]")) loadMore();
  });
  element.addEventListener("change", (event) => {
    if (inPicker(event)) return;
    const box = event.target;
    if (box.matches("[data-select-row]")) {
      state.allMatching = false;
      if (box.checked) state.selected.add(box.value);
      else state.selected.delete(box.value);
      refreshSelection();
    } else if (box.matches("[data-select-page]")) {
      state.allMatching = false;
      element.querySelectorAll("[data-select-row]").forEach((row) => {
        if (box.checked) state.selected.add(row.value);
        else state.selected.delete(row.value);
      });
      refreshSelection();
    }
  });
  tickTimer = setInterval(tickDurations, 1000);

  // After returning, so callers can use the api object in their callbacks.
  if (root()) queueMicrotask(mounted);
  else queueMicrotask(reload);
  return api;
}
