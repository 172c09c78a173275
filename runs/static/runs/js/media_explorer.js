// The media explorer page (templates/runs/explorers/media.html), one for /images/,
// /figures/, /audios/ and /texts/: the explorer shell (search bar, recent queries,
// state in the address, selection toolbar, Live Update) around the `+ Images` picker,
// rows/columns grouping, the step and index ranges with their density (shown once
// something is picked), the grid (media_grid.js), its display controls (sort, image
// size, the texts' renderer mode: media_controls.js) and the runs table. Data comes
// from /api/v1/objects/*.
import { createExplorerShell } from "../../js/lib/explorer_shell.js";
import { explorerLiveEvents } from "../../js/lib/explorer_live_events.js";
import { mountSelectForm, selectionOf } from "../../js/lib/explorer_select_form.js";
import { toast } from "../../js/lib/toast.js";
import { el } from "../../js/lib/dom.js";
import { plural, runLabel } from "../../js/lib/format.js";
import { mountPicker } from "../../js/lib/explorer_picker.js";
import { groupingFields } from "../../js/lib/explorer_grouping.js";
import { mountGroupingMenus } from "../../js/lib/explorer_grouping_menus.js";
import { mountExplorerTable, downloadText } from "../../js/lib/explorer_table.js";
import { mountExplorerPopover } from "../../js/lib/explorer_popover.js";
import { emptyMessage, reportLoadError } from "../../js/lib/explorer_messages.js";
import { renderTagChip } from "../../js/lib/tag_picker.js";
import { composeQuery, contextLabel, metricKey } from "./metrics_picker.js";
import { answerSteps, fetchNames, fetchSearch, fieldValue, groupFields, objectItems } from "./media_data.js";
import { mountMediaGrid, sortItems } from "./media_grid.js";
import { renderDisplayControls, renderSortControl, textModeOf } from "./media_controls.js";
import { mountRange } from "./media_range.js";
import { mountTextSearch } from "./text_search.js";

const $ = (selector) => document.querySelector(selector);
const KIND = $("#select-form").dataset.kind; // images | figures | audios | texts
const SINGULAR = { images: "image", figures: "figure", audios: "audio", texts: "text" }[KIND];
const SDK_EXAMPLES = {
  images: "run.track(Image(array), name=\"samples\", step=step, context={\"subset\": \"val\"})",
  figures: "run.track(Figure(plotly_figure), name=\"confusion\", step=step)",
  audios: "run.track(Audio(samples, rate=16000), name=\"speech\", step=step)",
  texts: "run.track(Text(\"a generated sentence\"), name=\"generations\", step=step)",
};

export const STATE_KEYS = {
  select: "", adv: "0", row: "", row_rev: "0", column: "", column_rev: "0",
  sort: "", sort_order: "asc",
  smin: "", smax: "", imin: "", imax: "", density: "50", idensity: "5",
  fit: "fit", size: "128", render: "smooth",
  ts: "", tsre: "0", tsw: "0", tsc: "0", text_mode: "text",
};
// What a change of each key needs: a new search, a restyle only (images' size and
// rendering are CSS on the grid), or else a redraw.
const SEARCH_KEYS = new Set(["select", "adv", "smin", "smax", "imin", "imax", "density", "idensity"]);
const STYLE_KEYS = new Set(["fit", "size", "render"]);

const emptyBox = $("#explorer-empty");
const gridElement = $("#media-explorer-grid");
const tableSection = $("#explorer-table-section");
const truncatedNote = $("#truncated-note");
const rangePanel = $(".range-panel");

const data = { answer: null, items: [], fields: [], steps: new Set(), stepsFor: null };
let request = 0;

const state = () => shell.state();
const effectiveQuery = (current) => (current.adv === "1" ? shell.query : composeQuery(shell.query, selectionOf(current), KIND));
const labelOf = (field) => field.replace(/^run\.(?!hash$|experiment$|tags$)/, "").replace(/^record\./, "");
const valueOf = (item) => (field) => fieldValue(KIND, field, item);

function show(kind, extra) {
  grid.clear();
  tableSection.hidden = true;
  truncatedNote.hidden = true;
  const texts = {
    fresh: () => emptyMessage(`No ${KIND} tracked yet`, `Track ${KIND} from a training script with the SDK, then pick them here with + ${KIND[0].toUpperCase()}${KIND.slice(1)}:`, { code: SDK_EXAMPLES[KIND] }),
    nothing: () => emptyMessage(`No ${KIND} selected`, `Pick ${KIND} with the + button, or switch on Advanced and type a query such as ${KIND}.name == "samples".`),
    advanced: () => emptyMessage("Type a query", `In advanced mode the query selects the ${KIND}, e.g. ${KIND}.name == "samples" and run.hparams.lr < 0.01.`),
    nomatch: (query) => emptyMessage(`No ${KIND} match`, `No tracked ${SINGULAR} sequence matches the query:`, { code: query }),
    nosearch: () => emptyMessage("No text matches the search"),
    error: () => emptyMessage(`Fix the query to see ${KIND}`),
  };
  emptyBox.replaceChildren(...(kind ? texts[kind](extra) : []));
  emptyBox.hidden = !kind;
  emptyBox.dataset.empty = kind || "";
  // Ranges slide over what a selection tracked: with nothing selected they mean nothing.
  rangePanel.hidden = Boolean(kind) && kind !== "nosearch";
  if (kind && kind !== "nosearch") shell.setTotal(null);
}

function showQueryError(error, query) {
  reportLoadError(error, query, { shell, onQueryError: () => show("error"), what: KIND });
}

// -- drawing (no request) ------------------------------------------------------------

function renderControls(current) {
  groupingMenus.render(current, data.fields);
  renderSortControl(current, data.fields, labelOf);
  renderDisplayControls(current, gridElement);
  $("#step-density").value = current.density;
  $("#index-density").value = current.idensity;
}

function draw() {
  const current = state();
  renderControls(current);
  const answer = data.answer;
  if (!answer) return;
  if (!answer.sequences.length) return show("nomatch", effectiveQuery(current));
  const matcher = textSearch?.matcher() ?? null;
  const found = matcher ? data.items.filter((item) => matcher.test(item.record.text)) : data.items;
  const items = sortItems(found, current.sort, valueOf, current.sort_order === "desc");
  const fields = groupingFields(current, data.fields);
  show(items.length ? null : "nosearch");
  tableSection.hidden = false;
  shell.setTotal(Object.keys(answer.runs).length);
  const { placed, total } = grid.render(items, { rows: fields.row, columns: fields.column, valueOf, labelOf, matcher, textMode: textModeOf(current) });
  const notes = [];
  if (answer.truncated) notes.push(`Showing the first ${answer.limit} sequences: narrow the query to see the rest.`);
  if (placed < total) notes.push(`Showing ${placed} of ${total} ${KIND}: narrow the ranges or lower the counts to see the rest.`);
  truncatedNote.textContent = notes.join(" ");
  truncatedNote.hidden = !notes.length;
  table.render(answer.sequences.map((sequence) => ({ id: `s${sequence.id}`, sequence, runHash: sequence.run.hash, run: answer.runs[sequence.run.hash] })));
  gridElement.dataset.drawn = String(Date.now());
}

// -- loading -------------------------------------------------------------------------

function resetRanges(current) {
  const query = effectiveQuery(current);
  if (data.stepsFor !== query) { data.steps = new Set(); data.stepsFor = query; }
  answerSteps(data.answer).forEach((step) => data.steps.add(step));
  const steps = [...data.steps].sort((a, b) => a - b);
  steps_.reset(steps, { low: current.smin === "" ? null : Number(current.smin), high: current.smax === "" ? null : Number(current.smax) });
  const maxIndex = Math.max(0, ...data.answer.sequences.map((sequence) => sequence.max_index));
  indices.reset(Array.from({ length: maxIndex + 1 }, (_, i) => i), { low: current.imin === "" ? null : Number(current.imin), high: current.imax === "" ? null : Number(current.imax) });
}

async function load() {
  const call = ++request;
  const current = state();
  const { isAdvanced, selection } = selectForm.sync(current, picker);
  shell.showError(null);
  renderControls(current);
  try {
    if (!isAdvanced) {
      const names = await fetchNames(KIND, shell.query);
      if (call !== request) return;
      picker.setOptions(names.sequences, shell.query ? `No ${KIND} in the runs this query matches.` : "");
      if (!names.sequences.length && !shell.query) return show("fresh");
      if (!selection.length) return show("nothing");
    } else if (!shell.query) {
      return show("advanced");
    }
    const answer = await fetchSearch(KIND, effectiveQuery(current), current);
    if (call !== request) return;
    data.answer = answer;
    data.items = objectItems(answer);
    data.fields = groupFields(KIND, answer);
    resetRanges(current);
    draw();
  } catch (error) {
    if (call === request) showQueryError(error, effectiveQuery(current));
  }
}

function applyPatch(patch, { push = false } = {}) {
  shell.setState(patch, { push });
  const keys = Object.keys(patch);
  if (keys.some((key) => SEARCH_KEYS.has(key))) load();
  else if (keys.every((key) => STYLE_KEYS.has(key))) renderControls(state());
  else draw();
}

// -- parts ---------------------------------------------------------------------------

const grid = mountMediaGrid(gridElement, { kind: KIND, onDetails: (item, event) => openPopover(item, event) });
const popover = mountExplorerPopover({ onTagsChange: (hash, tags) => setRunTags(hash, tags) });

function setRunTags(hash, tags) {
  const run = data.answer?.runs[hash];
  if (!run || JSON.stringify(run.tags) === JSON.stringify(tags)) return;
  run.tags = tags;
  draw();
}

function openPopover(item, event) {
  const { record, sequence } = item;
  popover.open({
    title: sequence.name,
    subtitle: contextLabel(sequence.context),
    facts: [
      ["Step", String(record.step)],
      ["Index", String(record.index)],
      ["Epoch", record.epoch === null ? "—" : String(record.epoch)],
      ...(record.caption ? [["Caption", record.caption]] : []),
      ...(record.width ? [["Size", `${record.width}×${record.height}`]] : []),
    ],
    run: { ...item.run, hash: item.runHash },
  }, event);
}

const picker = mountPicker($("#select-form"), {
  id: "object-picker", chipsId: "object-chips", noun: SINGULAR,
  keyOf: metricKey,
  describe: (item) => ({ name: item.name, chip: contextLabel(item.context), count: item.runs === undefined ? "" : plural(item.runs, "run") }),
  picked: ({ name, context }) => ({ name, context }),
  disabledTitle: `In advanced mode the query selects the ${KIND}`,
  emptyText: `No ${KIND} tracked in the runs the query matches.`,
  onChange: (selection) => applyPatch({ select: selection.length ? JSON.stringify(selection) : "" }, { push: true }),
});
const groupingMenus = mountGroupingMenus($("#controls"), { onChange: (patch) => applyPatch(patch), labelOf });
const steps_ = mountRange($('[data-range="step"]'), "step");
const indices = mountRange($('[data-range="index"]'), "index");

function rangePatch(range, [lowKey, highKey]) {
  const [low, high] = range.value;
  return range.isFull ? { [lowKey]: null, [highKey]: null } : { [lowKey]: low, [highKey]: high };
}
steps_.onChange(() => applyPatch(rangePatch(steps_, ["smin", "smax"])));
indices.onChange(() => applyPatch(rangePatch(indices, ["imin", "imax"])));
for (const [id, key, high] of [["#step-density", "density", 1000], ["#index-density", "idensity", 100]]) {
  $(id).addEventListener("change", (event) => {
    const value = Math.round(Number(event.target.value));
    if (!Number.isFinite(value) || value < 1 || value > high) {
      toast(`${event.target.getAttribute("aria-label")} must be a whole number from 1 to ${high}`, "error");
      event.target.value = state()[key];
      return;
    }
    applyPatch({ [key]: value });
  });
}
$("#media-sort").addEventListener("change", (event) => applyPatch({ sort: event.target.value }, { push: true }));
$("#media-sort-order").addEventListener("change", (event) => applyPatch({ sort_order: event.target.value }, { push: true }));
$("#text-mode")?.addEventListener("change", (event) => applyPatch({ text_mode: event.target.value }, { push: true }));
$("#image-fit")?.addEventListener("change", (event) => applyPatch({ fit: event.target.value }));
$("#image-size")?.addEventListener("input", (event) => applyPatch({ size: event.target.value }));
$("#image-rendering")?.addEventListener("change", (event) => applyPatch({ render: event.target.value }));

const textSearchRoot = $("[data-text-search-root]");
const textSearch = textSearchRoot ? mountTextSearch(textSearchRoot, () => {
  const { regex, words, matchCase } = textSearch.options();
  shell.setState({ ts: textSearch.query, tsre: regex ? "1" : "0", tsw: words ? "1" : "0", tsc: matchCase ? "1" : "0" });
  draw();
}) : null;

const table = mountExplorerTable($("#explorer-table"), {
  headers: () => ["Run", "Experiment", "Tags", "Name", "Context", "Objects", "Steps"],
  cells: (row) => [
    el("a", { href: `/runs/${row.runHash}/${KIND}/?sequence=${row.sequence.id}`, text: runLabel(row.run, row.runHash) }),
    row.run?.experiment ?? "—",
    el("span", "tag-chips", (row.run?.tags || []).map((tag) => renderTagChip(tag))),
    el("strong", {}, row.sequence.name),
    el("span", "context-chip", contextLabel(row.sequence.context)),
    el("td", { className: "num", text: String(row.sequence.count) }),
    el("td", { className: "num", text: `${row.sequence.first_step ?? "—"} – ${row.sequence.last_step ?? "—"}` }),
  ],
  rowLabel: (row) => `${runLabel(row.run, row.runHash)} ${row.sequence.name}`,
  runsOf: (row) => [row.runHash],
  runOf: (hash) => data.answer?.runs[hash],
  onSelectionChange: (selection) => shell?.updateSelection(selection),
  onReload: () => load(),
  pageSize: 200,
});

const live = explorerLiveEvents({
  load,
  isShown: (hash) => Boolean(data.answer?.runs[hash]),
  // Metric points say nothing new here; an object upload, a status or a param
  // change comes without metric summaries.
  onRunUpdated: (event, requery) => { if (!(event.metrics || []).length) requery(); },
  onTags: (event) => {
    popover.applyTagsEvent(event);
    setRunTags(event.hash, event.tags);
  },
});

const shell = createExplorerShell({
  name: KIND,
  suggestionsUrl: "/api/v1/runs/suggestions",
  subjects: ["run", KIND],
  stateKeys: STATE_KEYS,
  onQuery: () => load(),
  onStateChange: () => load(),
  noun: "run",
  table,
  live: { path: "/ws/runs/", onEvent: live.onEvent, catchUp: () => load() },
});

// -- select form buttons, kind switch ------------------------------------------------

const selectForm = mountSelectForm(document, {
  shell, stateKeys: STATE_KEYS, effectiveQuery,
  composed: (current) => composeQuery(shell.query, selectionOf(current), KIND),
  onReset: () => textSearch?.set(""),
});

// The kind switch keeps the run-level query (a selection names one kind's sequences).
for (const link of document.querySelectorAll("[data-kind-switch] a")) {
  link.addEventListener("click", () => {
    const query = state().adv === "1" ? "" : shell.query;
    link.search = query ? `?${new URLSearchParams({ q: query })}` : "";
  });
}

$("#export-table").addEventListener("click", () => downloadText(table.csv(), `${KIND}.csv`));

if (textSearch) {
  const current = state();
  textSearch.set(current.ts, { regex: current.tsre === "1", words: current.tsw === "1", matchCase: current.tsc === "1" });
}
load();
