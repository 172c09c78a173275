// Runs explorer page: search bar (suggestions, recent queries), the runs table,
// Live Update, column choice, archive / unarchive / delete and CSV export.
import { api } from "../../js/lib/http.js";
import { connectLive } from "../../js/lib/live.js";
import { mountRunsTable } from "../../js/lib/runs_table.js";
import { mountBatchActions } from "../../js/lib/runs_batch_actions.js";

const KEYS = { live: "runs.liveUpdate", hidden: "runs.hiddenColumns", recent: "runs.recentQueries" };
const API = "/api/v1/runs";
const MAX_RECENT = 8;

const stored = (key, fallback) => {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
};
const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));

const form = document.getElementById("runs-search");
const input = document.getElementById("runs-query");
const list = document.getElementById("query-suggestions");
const tableElement = document.getElementById("runs-table");
const errorSlot = document.getElementById("query-error-slot");

const table = mountRunsTable(tableElement, {
  hiddenColumns: stored(KEYS.hidden, []),
  onSelectionChange: updateToolbar,
  onSortChange(sort) {
    const url = new URL(location.href);
    if (sort === "-created") url.searchParams.delete("sort");
    else url.searchParams.set("sort", sort);
    history.replaceState(null, "", url);
  },
  onLoad: () => { renderColumnsMenu(); updateTotal(); },
  onError(fragment) { errorSlot.replaceChildren(fragment); },
});

// -- search bar: recent queries and completions ---------------------------------

let suggestions = null;
let active = -1;

async function loadSuggestions() {
  if (!suggestions) {
    try { suggestions = await api(`${API}/suggestions`); } catch { suggestions = { fields: [], params: [], metrics: [] }; }
  }
  return suggestions;
}

function currentToken() {
  const upTo = input.value.slice(0, input.selectionStart ?? input.value.length);
  const match = upTo.match(/run(?:[.\w]|\[[^\]]*\]?)*$/);
  return match ? { text: match[0], start: upTo.length - match[0].length } : null;
}

function option(text, kind, onPick) {
  const item = document.createElement("li");
  item.setAttribute("role", "option");
  const label = document.createElement("span");
  label.className = "kind";
  label.textContent = kind;
  const value = document.createElement("span");
  value.textContent = text;
  item.append(label, value);
  item.addEventListener("mousedown", (event) => { event.preventDefault(); onPick(); });
  return item;
}

function heading(text) {
  const item = document.createElement("li");
  item.className = "heading";
  item.textContent = text;
  return item;
}

let shown = 0;

async function showSuggestions() {
  const items = [];
  const token = currentToken();
  const call = ++shown;
  if (token) {
    const all = await loadSuggestions();
    if (call !== shown) return; // a later keystroke owns the list
    const needle = token.text.toLowerCase();
    const pick = (text) => () => {
      const current = currentToken() || token;
      const before = input.value.slice(0, current.start);
      const after = input.value.slice(current.start + current.text.length);
      input.value = before + text + after;
      input.setSelectionRange(before.length + text.length, before.length + text.length);
      hideSuggestions();
      input.focus();
    };
    for (const [kind, values] of [["field", all.fields], ["param", all.params], ["metric", all.metrics]]) {
      values.filter((value) => value.toLowerCase().startsWith(needle) && value !== token.text)
        .slice(0, 8).forEach((value) => items.push(option(value, kind, pick(value))));
    }
  } else if (!input.value.trim()) {
    const recent = stored(KEYS.recent, []);
    if (recent.length) items.push(heading("Recent queries"));
    recent.forEach((query) => items.push(option(query, "recent", () => { input.value = query; form.requestSubmit(); })));
  }
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
  active = -1;
}

function hideSuggestions() { list.hidden = true; active = -1; }

function moveActive(step) {
  const options = [...list.querySelectorAll("li[role=option]")];
  if (!options.length) return;
  active = (active + step + options.length) % options.length;
  options.forEach((item, index) => item.setAttribute("aria-selected", String(index === active)));
}

input.addEventListener("input", showSuggestions);
input.addEventListener("focus", showSuggestions);
input.addEventListener("blur", () => setTimeout(hideSuggestions, 100));
input.addEventListener("keydown", (event) => {
  if (list.hidden) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    moveActive(event.key === "ArrowDown" ? 1 : -1);
  } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
    event.preventDefault();
    list.querySelectorAll("li[role=option]")[active].dispatchEvent(new MouseEvent("mousedown"));
  } else if (event.key === "Escape") {
    hideSuggestions();
  }
});
form.addEventListener("submit", () => {
  const query = input.value.trim();
  if (query) store(KEYS.recent, [query, ...stored(KEYS.recent, []).filter((item) => item !== query)].slice(0, MAX_RECENT));
});

// -- columns menu ------------------------------------------------------------------

const columnsList = document.querySelector("[data-columns-list]");

function renderColumnsMenu() {
  const labels = table.columnLabels();
  const hidden = new Set(stored(KEYS.hidden, []));
  const groups = [["Run", ["experiment", "status", "created", "duration", "tags"]], ["Params", []], ["Metrics", []]];
  table.columns().forEach((id) => groups[id.startsWith("m:") ? 2 : 1][1].push(id));
  const nodes = [];
  for (const [title, ids] of groups) {
    if (!ids.length) continue;
    const header = document.createElement("h4");
    header.textContent = title;
    nodes.push(header);
    for (const id of ids) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = !hidden.has(id);
      box.dataset.column = id;
      const text = document.createElement("span");
      text.textContent = (labels[id] || id).replace(/^(param|metric)\s*/, "").replace(/[▲▼↕]$/, "").trim();
      label.append(box, text);
      nodes.push(label);
    }
  }
  columnsList.replaceChildren(...nodes);
}

function setHidden(ids) {
  store(KEYS.hidden, [...ids]);
  table.setHiddenColumns(ids);
  renderColumnsMenu();
}

columnsList.addEventListener("change", (event) => {
  const hidden = new Set(stored(KEYS.hidden, []));
  if (event.target.checked) hidden.delete(event.target.dataset.column);
  else hidden.add(event.target.dataset.column);
  setHidden(hidden);
});
document.querySelector("[data-columns-all]").addEventListener("click", () => setHidden(new Set()));
document.querySelector("[data-columns-none]").addEventListener("click", () => {
  setHidden(new Set([...stored(KEYS.hidden, []), ...table.columns()]));
});
document.addEventListener("click", (event) => {
  const menu = document.getElementById("columns-menu");
  if (menu.open && !menu.contains(event.target)) menu.open = false;
});

// -- selection actions -----------------------------------------------------------

const label = document.querySelector("[data-selection-label]");
const batchActions = mountBatchActions(document.querySelector(".runs-toolbar"), table);

function updateToolbar(selection) {
  const count = selection.count || 0;
  label.textContent = count ? `${count} run${count === 1 ? "" : "s"} selected` : "No runs selected";
  batchActions.update(selection);
}

function updateTotal() {
  const total = table.total;
  document.querySelector("[data-total-label]").textContent = total === null ? "" : `${total} run${total === 1 ? "" : "s"}`;
}

// -- export --------------------------------------------------------------------------

document.getElementById("export-csv").addEventListener("click", (event) => {
  const search = new URLSearchParams({ q: table.query, columns: JSON.stringify(table.visibleColumns().filter((id) => /^[pm]:/.test(id))) });
  event.currentTarget.href = `${API}/export.csv?${search}`;
});

// -- live update -------------------------------------------------------------------

const liveSwitch = document.getElementById("live-update");
const liveDot = document.querySelector("[data-live-status]");
let live = null;
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
  updateTotal();
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
      updateTotal();
      break;
    default:
  }
}

function setLive(on) {
  store(KEYS.live, on);
  liveDot.hidden = !on;
  if (on && !live) {
    let opened = false;
    live = connectLive("/ws/runs/", {
      onEvent,
      onStatus: (status) => liveDot.classList.toggle("offline", status !== "open"),
      // After a reconnect, catch up on what happened meanwhile.
      onOpen: async () => { if (opened) await table.reload(); opened = true; },
      poll: () => table.reload(),
    });
  } else if (!on && live) {
    live.close();
    live = null;
  }
}

liveSwitch.checked = Boolean(stored(KEYS.live, false));
liveSwitch.addEventListener("change", () => setLive(liveSwitch.checked));
setLive(liveSwitch.checked);
