// The explorer shell shared by the runs explorer and the Metrics, Params, Scatters and
// media explorers (docs: DESIGN.md §10): the AimQL search bar with suggestions and
// recent queries (search_bar.js), the query error slot, hints for a metric read without
// its context (query_hints.js), the state kept in the address,
// the selection toolbar over the runs table (runs_batch_actions.js) and the Live Update
// switch. Markup: templates/runs/explorers/_search_bar.html, _live_toggle.html and
// _selection.html; this module finds their parts by data attributes inside `root`.
//
//   const shell = createExplorerShell({
//     root: document,                    // where the shell's markup is
//     name: "runs",                      // localStorage namespace: runs.recentQueries, runs.liveUpdate
//     suggestionsUrl: "/api/v1/runs/suggestions",
//     subjects: ["run"],                 // what a completable expression starts with
//     stateKeys: { sort: "-created" },   // URL parameters besides the query, with their
//                                        // defaults; values are strings, as in the address
//     onQuery: null,                     // (query) => …: search in place (pushState); null: the
//                                        // form submits and the server renders the page
//     onStateChange: null,               // (state, query) => …: after Back / Forward; without
//                                        // it, onQuery(query) runs when the query changed
//     noun: "run",                       // "3 runs selected", "12 runs"
//     table: null,                       // the runs table (runs_table.js) the toolbar acts on
//     live: null,                        // { path, onEvent, catchUp, newItems, isOnByDefault }:
//                                        // the Live Update switch and its "N new runs" pill
//   });
//   shell.query                          // the query in the address
//   shell.state()                        // { key: value } for every state key
//   shell.setState({ sort: "name" }, { push: false })   // defaults leave the address
//   shell.showError(fragment | null)     // a server-rendered query error, or clear it
//   shell.setTotal(count | null)         // the total next to the title
//   shell.updateSelection(selection)     // from the table's onSelectionChange
//
// Every state key travels with a new search (the form's submission carries the
// values that differ from their defaults), so a sorted or grouped view stays so.

import { mountSearchBar } from "./search_bar.js";
import { mountQueryHints } from "./query_hints.js";
import { mountBatchActions } from "./runs_batch_actions.js";
import { connectLive } from "./live.js";
import { plural } from "./format.js";
import { readStored, writeStored } from "./storage.js";

// Live Update starts as this browser left it, else as `isOnByDefault` says (the runs
// explorer: on, since sockets are cheap; Aim polls every 10 s and defaults to off; the
// comparing explorers redraw whole charts, so they start off). With it off the socket
// stays open only to count
// what `newItems(event)` (hashes, or a Promise of them) says is new: a pill reads
// "3 new runs — show", and showing them catches up once, leaving Live Update off.
function mountLiveToggle(root, storageKey, noun, { path, onEvent, catchUp, newItems = null, isOnByDefault = false }) {
  const toggle = root.querySelector("[data-live-switch]");
  const dot = root.querySelector("[data-live-status]");
  const pill = root.querySelector("[data-live-pending]");
  const pending = new Set();
  let missed = false; // events arrived while off: turning on catches up first
  let live = null;

  function renderPill() {
    if (!pill) return;
    pill.hidden = toggle.checked || pending.size === 0;
    pill.textContent = `${pending.size} new ${pending.size === 1 ? noun : `${noun}s`} — show`;
  }

  async function showPending() {
    pending.clear();
    missed = false;
    renderPill();
    await catchUp();
  }

  async function received(event) {
    if (toggle.checked) return onEvent(event);
    missed = true;
    if (!newItems) return;
    const hashes = await newItems(event);
    if (toggle.checked) return; // switched on meanwhile: the catch-up shows them
    hashes.forEach((hash) => pending.add(hash));
    renderPill();
  }

  function connect() {
    let opened = false;
    // Not live until the socket is open: events sent before then never arrive.
    dot.classList.add("offline");
    live = connectLive(path, {
      onEvent: received,
      onStatus: (status) => dot.classList.toggle("offline", status !== "open"),
      // After a reconnect, catch up on what happened meanwhile.
      onOpen: async () => {
        if (opened && toggle.checked) await catchUp();
        else if (opened) missed = true;
        opened = true;
      },
      poll: () => (toggle.checked ? catchUp() : null),
    });
  }

  function setLive(on) {
    writeStored(storageKey, on);
    dot.hidden = !on;
    const wanted = on || Boolean(newItems && pill);
    if (wanted && !live) connect();
    else if (!wanted && live) {
      live.close();
      live = null;
    }
    if (on && missed) showPending();
    renderPill();
  }

  pill?.addEventListener("click", () => showPending());
  toggle.checked = Boolean(readStored(storageKey, isOnByDefault));
  toggle.addEventListener("change", () => setLive(toggle.checked));
  setLive(toggle.checked);
}

export function createExplorerShell({
  root = document, name, suggestionsUrl, subjects = ["run"], stateKeys = {},
  onQuery = null, onStateChange = null, noun = "run", table = null, live = null,
}) {
  const form = root.querySelector("[data-search-form]");
  const queryParam = form.querySelector("[data-search-input]").name;
  const errorSlot = root.querySelector("[data-query-error-slot]");
  const hintSlot = root.querySelector("[data-query-hint-slot]");
  const hints = hintSlot ? mountQueryHints(hintSlot, { subjects, queryParam }) : { update() {} };
  const totalLabel = root.querySelector("[data-total-label]");
  const selectionLabel = root.querySelector("[data-selection-label]");
  const toolbar = root.querySelector("[data-selection-toolbar]");
  const batchActions = table && toolbar ? mountBatchActions(toolbar, table) : null;

  const address = () => new URL(location.href).searchParams;

  function state() {
    const params = address();
    return Object.fromEntries(Object.entries(stateKeys).map(([key, fallback]) => [key, params.get(key) ?? fallback]));
  }

  function setState(patch, { push = false } = {}) {
    const url = new URL(location.href);
    for (const [key, value] of Object.entries(patch)) {
      if (!(key in stateKeys)) throw new Error(`Unknown explorer state key: ${key}`);
      if (value === null || value === undefined || String(value) === String(stateKeys[key])) url.searchParams.delete(key);
      else url.searchParams.set(key, value);
    }
    history[push ? "pushState" : "replaceState"](null, "", url);
  }

  let searched = address().get(queryParam) ?? ""; // the query the view shows

  function search(query, event) {
    if (!onQuery) return; // the form submits: the server renders the new view
    event.preventDefault();
    const url = new URL(location.href);
    if (query) url.searchParams.set(queryParam, query);
    else url.searchParams.delete(queryParam);
    // Searching again for the same query refreshes; it is no new step for Back.
    history[query === searched ? "replaceState" : "pushState"](null, "", url);
    searched = query;
    hints.update(query);
    onQuery(query);
  }

  const bar = mountSearchBar(form, { suggestionsUrl, recentKey: `${name}.recentQueries`, subjects, onSubmit: search });

  form.addEventListener("formdata", (event) => {
    for (const [key, value] of Object.entries(state())) {
      if (String(value) !== String(stateKeys[key])) event.formData.set(key, value);
    }
  });

  if (onQuery || onStateChange) {
    window.addEventListener("popstate", () => {
      const query = address().get(queryParam) ?? "";
      const queryChanged = query !== searched;
      searched = query;
      bar.setQuery(query);
      hints.update(query);
      if (onStateChange) onStateChange(state(), query);
      else if (queryChanged) onQuery(query);
    });
  }

  if (live) mountLiveToggle(root, `${name}.liveUpdate`, noun, live);
  hints.update(searched);

  return {
    get query() { return address().get(queryParam) ?? ""; },
    state,
    setState,
    showError(fragment) {
      if (fragment) errorSlot.replaceChildren(fragment);
      else errorSlot.replaceChildren();
    },
    setTotal(count) {
      if (totalLabel) totalLabel.textContent = count === null || count === undefined ? "" : plural(count, noun);
    },
    updateSelection(selection) {
      const count = selection.count || 0;
      if (selectionLabel) selectionLabel.textContent = count ? `${plural(count, noun)} selected` : `No ${noun}s selected`;
      batchActions?.update(selection);
    },
  };
}
