// The page controller shared by the Params and Scatters explorers, whose items are
// runs with chosen fields (params_data.js): the explorer shell (search bar, state in
// the address, selection toolbar, Live Update), the grouping menus, the table with
// batch actions and CSV, the run popover with tags, empty states and query errors,
// all from lib/. The entry module (params_explorer.js, scatters_explorer.js) brings
// its chart, its own controls and which fields it needs.
//
//   mountFieldsExplorer({
//     name: "params", stateKeys: {...},       // the address (grouping keys included)
//     neededFields: (state) => [ids],          // what the chart and grouping read
//     chart: { render(items, view) -> {facets, drawn}, clear() },
//     controls: { render(state, ctx) },        // ctx: { catalogue, available, fields }
//     empty: { fresh, nothing },               // [title, text] of the page's empty states
//     tableItems: (items, state) => items,     // e.g. the brushed runs only
//   }) -> { state, applyPatch(patch, {push}), setStateQuietly(patch), refreshTable(),
//           openRunPopover(item, event, facts), labelOf(id) }
import { createExplorerShell } from "../../js/lib/explorer_shell.js";
import { explorerLiveEvents } from "../../js/lib/explorer_live_events.js";
import { formatValue, groupingFields, styleItems } from "../../js/lib/explorer_grouping.js";
import { mountGroupingMenus } from "../../js/lib/explorer_grouping_menus.js";
import { mountExplorerTable, downloadText } from "../../js/lib/explorer_table.js";
import { mountExplorerPopover } from "../../js/lib/explorer_popover.js";
import { SDK_EXAMPLE, emptyMessage, queryErrorFragment } from "../../js/lib/explorer_messages.js";
import { el } from "../../js/lib/dom.js";
import { toast } from "../../js/lib/toast.js";
import { formatNumber, runLabel } from "../../js/lib/format.js";
import { renderTagChip } from "../../js/lib/tag_picker.js";
import { FIXED_FIELDS, fetchFields, fetchRows, fieldCatalogue, runItems, valueOf } from "./params_data.js";


// Numbers as the other tables show them (0.30000000000000004 reads 0.3).
const showValue = (value) => (typeof value === "number" ? formatNumber(value) : formatValue(value));

export function mountFieldsExplorer({ name, stateKeys, neededFields, chart, controls, empty: emptyTexts, tableItems = (items) => items }) {
  const $ = (selector) => document.querySelector(selector);
  const emptyBox = $("#explorer-empty");
  const tableSection = $("#explorer-table-section");
  const truncatedNote = $("#truncated-note");
  const data = { fields: [], answer: null, items: [], byHash: new Map(), catalogue: fieldCatalogue() };
  let request = 0;

  const state = () => shell.state();
  const labelOf = (id) => data.catalogue.get(id)?.label ?? id;

  function show(kind, extra) {
    chart.clear();
    tableSection.hidden = true;
    truncatedNote.hidden = true;
    const texts = {
      fresh: () => emptyMessage(...emptyTexts.fresh, { code: SDK_EXAMPLE }),
      nothing: () => emptyMessage(...emptyTexts.nothing),
      nomatch: (query) => emptyMessage("No runs match", "No run matches the query:", { code: query }),
      error: () => emptyMessage("Fix the query to see the chart"),
    };
    emptyBox.replaceChildren(...(kind ? texts[kind](extra) : []));
    emptyBox.hidden = !kind;
    emptyBox.dataset.empty = kind || "";
    if (kind) shell.setTotal(null);
  }

  function groupable() {
    // Reverse grouping reads every field the rows carry, and only those.
    return [...FIXED_FIELDS.map((field) => field.id).filter((id) => id !== "run.hash"), ...(data.answer?.fields || []).map((field) => field.id)];
  }

  function renderControls(current) {
    const available = [...FIXED_FIELDS, ...data.fields];
    groupingMenus.render(current, available.map((field) => field.id));
    controls.render(current, { catalogue: data.catalogue, available, fields: data.answer?.fields || [] });
  }

  async function draw() {
    const current = state();
    renderControls(current);
    if (!data.answer) return;
    const items = data.items;
    if (!items.length) return show("nomatch", shell.query);
    const fields = groupingFields(current, groupable());
    styleItems(items, fields, valueOf, (item) => "", { labelOf, runOf: (hash) => data.byHash.get(hash)?.run });
    show(null);
    tableSection.hidden = false;
    shell.setTotal(items.length);
    truncatedNote.textContent = data.answer.truncated ? `Showing the newest ${data.answer.limit ?? items.length} runs: narrow the query to see the rest.` : "";
    truncatedNote.hidden = !data.answer.truncated;
    const view = { state: current, fields, valueOf, labelOf, catalogue: data.catalogue, answerFields: data.answer.fields };
    const { facets, drawn } = await chart.render(items, view);
    // After the chart: the table may filter by what the chart drew (brushed axes).
    renderTable(current);
    if (facets > drawn) toast(`Showing ${drawn} of ${facets} charts: group by fewer values to see every chart.`, "info");
    $("#charts").dataset.drawn = String(Date.now());
  }

  /** The fields the view reads, in its order, that the rows hold (not the fixed ones). */
  function tableFields() {
    const have = new Set((data.answer?.fields || []).map((field) => field.id));
    return [...new Set(neededFields(state()))].filter((id) => have.has(id));
  }

  function renderTable(current) {
    table.render(tableItems(data.items, current));
  }

  async function load() {
    const call = ++request;
    const current = state();
    shell.showError(null);
    const takeFields = (fields) => {
      data.fields = fields.fields;
      data.catalogue = fieldCatalogue(data.fields, data.answer?.fields);
    };
    try {
      const needed = neededFields(current);
      if (!needed.length) {
        takeFields(await fetchFields(shell.query));
        if (call !== request) return;
        data.answer = null;
        renderControls(current);
        return show(data.fields.length || shell.query ? "nothing" : "fresh");
      }
      // The rows first: the answer names and kinds its own fields, so the chart
      // draws without the picker's list, which the server reads while it draws.
      const answer = await fetchRows(shell.query, needed);
      if (call !== request) return;
      const fields = fetchFields(shell.query);
      data.answer = answer;
      data.catalogue = fieldCatalogue(data.fields, answer.fields);
      data.items = runItems(answer);
      data.byHash = new Map(data.items.map((item) => [item.runHash, item]));
      await draw();
      takeFields(await fields);
      if (call !== request) return;
      renderControls(state());
    } catch (error) {
      if (call !== request || error.name === "AbortError") return;
      if (error.status === 400 && error.body?.error) {
        shell.showError(queryErrorFragment(shell.query, error.body));
        show("error");
      } else {
        toast(`Could not load runs: ${error.message}`, "error");
      }
    }
  }

  /** Redraw when the rows already hold every field the view needs, else ask again. */
  function applyPatch(patch, { push = false } = {}) {
    shell.setState(patch, { push });
    const have = new Set([...FIXED_FIELDS.map((field) => field.id), ...(data.answer?.fields || []).map((field) => field.id)]);
    const needed = neededFields(state());
    if (data.answer && needed.length && needed.every((id) => have.has(id))) draw();
    else load();
  }

  const live = explorerLiveEvents({
    load,
    isShown: (hash) => data.byHash.has(hash),
    // New params or metric values change the run's row (or whether it matches).
    onTags: (event) => {
      popover.applyTagsEvent(event);
      const item = data.byHash.get(event.hash);
      if (item) { item.run.tags = event.tags; draw(); }
    },
  });

  function openRunPopover(item, event, extraFacts = []) {
    const facts = [
      ...extraFacts,
      ...tableFields().map((id) => [labelOf(id), showValue(valueOf(item)(id))]),
    ];
    popover.open({ title: runLabel(item.run, item.runHash), subtitle: item.run.experiment || "", facts, run: { ...item.run, hash: item.runHash } }, event);
  }

  const groupingMenus = mountGroupingMenus($("#controls"), { onChange: (patch) => applyPatch(patch), labelOf });
  const popover = mountExplorerPopover({
    onTagsChange: (hash, tags) => {
      const item = data.byHash.get(hash);
      if (!item || JSON.stringify(item.run.tags) === JSON.stringify(tags)) return;
      item.run.tags = tags;
      draw();
    },
  });
  const table = mountExplorerTable($("#explorer-table"), {
    headers: () => ["Run", "Experiment", "Tags", ...tableFields().map(labelOf)],
    cells: (item) => [
      el("span", "run-cell", [
        el("a", { href: `/runs/${item.runHash}/`, text: runLabel(item.run, item.runHash) }),
        el("button", {
          type: "button", className: "btn-link row-details", text: "Details",
          attrs: { "aria-label": `Details of ${runLabel(item.run, item.runHash)}`, "data-opens-popover": "" },
          on: { click: (event) => openRunPopover(item, event) },
        }),
      ]),
      item.run.experiment ?? "—",
      el("span", "tag-chips", (item.run.tags || []).map((tag) => renderTagChip(tag))),
      ...tableFields().map((id) => el("td", { className: "num", text: showValue(valueOf(item)(id)) })),
    ],
    rowLabel: (item) => runLabel(item.run, item.runHash),
    runsOf: (item) => [item.runHash],
    runOf: (hash) => data.byHash.get(hash)?.run,
    onSelectionChange: (selection) => shell?.updateSelection(selection),
    onReload: () => load(),
    pageSize: 200,
  });

  const shell = createExplorerShell({
    name,
    suggestionsUrl: "/api/v1/runs/suggestions",
    subjects: ["run"],
    stateKeys,
    onQuery: () => load(),
    onStateChange: () => load(),
    noun: "run",
    table,
    live: { path: "/ws/runs/", onEvent: live.onEvent, catchUp: () => load() },
  });

  $("#export-table").addEventListener("click", () => downloadText(table.csv(), `${name}.csv`));
  $("#reset-query")?.addEventListener("click", () => {
    shell.setState(Object.fromEntries(Object.keys(stateKeys).map((key) => [key, null])));
    const input = $("[data-search-input]");
    input.value = "";
    $("[data-search-form]").requestSubmit();
  });

  load();
  return {
    state,
    applyPatch,
    setStateQuietly: (patch) => shell.setState(patch),
    refreshTable: () => renderTable(state()),
    openRunPopover,
    labelOf,
  };
}
