// Tag picker: a run's tags as coloured chips, plus the "Select tag" popover that
// attaches several existing tags at once. Shared by the runs explorer rows, the
// run page sidebar and any other place a run appears as a unit.
//
// Interface
//   import { mountTagPicker, applyTagsEvent } (from js/lib/tag_picker.js)
//
//   const picker = mountTagPicker(container, {
//     runHash: "0123…",                       // the run's 24-hex hash
//     tags: [{ id, name, color }],            // tags attached now (non-archived)
//     canEdit: true,                          // run owner or staff: shows X and Attach
//     onChange: (tags) => {},                 // optional; after every change (local or live)
//     emptyText: "No tags",                   // optional; shown read-only with no tags ("" = nothing)
//   });
//   picker.update(tags);      // re-render with a new tag list (e.g. from a live event)
//   picker.tags();            // the tags shown now
//   picker.destroy();         // empty the container
//
//   applyTagsEvent(container, event);  // feed a live `run.tags` event {type, hash, tags};
//                                      // ignored when it is about another run or no picker
//                                      // is mounted in `container`. Returns true if applied.
//
// Talks to GET /api/v1/tags/?is_archived=false (the choices) and
// POST /api/v1/runs/{hash}/tags/ (attach) and …/tags/detach/ with {"ids": [...]}; the answer is the run's new
// tag list. The server also sends `run.tags` live events, so other open pages follow.
// The "Create tag" link goes to /tags/?create=1, which opens the create modal.
// User data is inserted with textContent only. Styles: tags/css/tag_picker.css, loaded
// by this module on first use (pages may also link it in <head> to avoid a flash).
import { api } from "./http.js";
import { toast } from "./toast.js";
import { el } from "./dom.js";

const pickers = new WeakMap();
// From the static prefix the page gives (base.html), not this module's own URL: in
// a page's bundle (aimsite/page_bundles.py) that URL is the bundle's.
function stylesheetUrl() {
  const prefix = new URL(document.documentElement.dataset.static || "/static/", location.href);
  return new URL("tags/css/tag_picker.css", prefix).href;
}
const CREATE_TAG_URL = "/tags/?create=1";
let popoverCount = 0;

function ensureStylesheet() {
  // A page that links it has it under its hashed name (tag_picker.<hash>.css): a
  // second, unhashed copy would be fetched again and hold up the page's first paint.
  if (document.querySelector('link[rel="stylesheet"][href*="/tags/css/tag_picker."]')) return;
  document.head.append(el("link", { rel: "stylesheet", href: stylesheetUrl() }));
}

/** One coloured tag chip (also used by other pages for read-only chips). */
export function renderTagChip(tag, { onRemove = null } = {}) {
  const chip = el("span", {
    className: "tag-chip",
    style: { "--tag-color": tag.color || "#5F6B7A" },
    dataset: { tagId: tag.id },
  }, [
    el("span", { className: "tag-dot", attrs: { "aria-hidden": "true" } }),
    el("span", "tag-name", tag.name),
  ]);
  if (onRemove) {
    const remove = el("button", {
      type: "button", className: "tag-remove", title: `Remove ${tag.name}`, text: "×",
      attrs: { "aria-label": `Remove tag ${tag.name}` },
      on: { click: () => onRemove(tag, remove) },
    });
    chip.append(remove);
  }
  return chip;
}

function tagsUrl(runHash) {
  return `/api/v1/runs/${encodeURIComponent(runHash)}/tags/`;
}

function buildPopover() {
  popoverCount += 1;
  const titleId = `tag-picker-title-${popoverCount}`;
  const search = el("input", {
    type: "search", placeholder: "Search tags", className: "tag-picker-search",
    attrs: { "aria-label": "Search tags" },
  });
  const list = el("ul", "tag-picker-options");
  const empty = el("p", { className: "tag-picker-empty muted small", hidden: true });
  const apply = el("button", { type: "button", className: "btn btn-primary btn-sm", text: "Attach", disabled: true });
  const create = el("a", { href: CREATE_TAG_URL, className: "tag-picker-create small", text: "Create tag" });
  const popover = el("div", {
    className: "tag-picker-popover",
    attrs: { popover: "auto", role: "dialog", "aria-labelledby": titleId },
  }, [
    el("div", { className: "tag-picker-title", id: titleId, text: "Select tag" }),
    search,
    list,
    empty,
    el("div", "tag-picker-actions", [create, apply]),
  ]);
  return { popover, search, list, empty, apply };
}

function renderOptions(state) {
  const { list, empty, search, apply } = state.parts;
  const attached = new Set(state.tags.map((tag) => tag.id));
  const needle = search.value.trim().toLowerCase();
  const choices = state.choices.filter((tag) => !attached.has(tag.id));
  const shown = choices.filter((tag) => tag.name.toLowerCase().includes(needle));
  list.replaceChildren(
    ...shown.map((tag) => {
      const box = el("input", { type: "checkbox", value: String(tag.id), checked: state.selected.has(tag.id) });
      box.addEventListener("change", () => {
        if (box.checked) state.selected.add(tag.id);
        else state.selected.delete(tag.id);
        updateApply(state);
      });
      return el("li", {}, el("label", "tag-picker-option", [box, renderTagChip(tag)]));
    }),
  );
  let message = "";
  if (state.loading) message = "Loading tags…";
  else if (!state.choices.length) message = "No tags yet.";
  else if (!choices.length) message = "Every tag is attached already.";
  else if (!shown.length) message = "No tag matches the search.";
  empty.textContent = message;
  empty.hidden = !message;
  updateApply(state);
}

function updateApply(state) {
  const count = state.selected.size;
  state.parts.apply.disabled = count === 0 || state.busy;
  state.parts.apply.textContent = count > 1 ? `Attach ${count} tags` : "Attach";
}

function placePopover(state) {
  const rect = state.attachButton.getBoundingClientRect();
  const popover = state.parts.popover;
  const width = 280;
  const left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8));
  const below = window.innerHeight - rect.bottom;
  popover.style.left = `${left}px`;
  if (below < 300 && rect.top > below) {
    popover.style.top = "auto";
    popover.style.bottom = `${window.innerHeight - rect.top + 4}px`;
  } else {
    popover.style.bottom = "auto";
    popover.style.top = `${rect.bottom + 4}px`;
  }
}

async function loadChoices(state) {
  state.loading = true;
  renderOptions(state);
  try {
    const tags = await api("/api/v1/tags/?is_archived=false&ordering=name");
    state.choices = tags.map(({ id, name, color }) => ({ id, name, color }));
  } catch (error) {
    toast(`Could not load tags: ${error.message}`, "error");
    state.choices = [];
  } finally {
    state.loading = false;
    renderOptions(state);
  }
}

async function attachSelected(state) {
  const ids = [...state.selected];
  if (!ids.length) return;
  state.busy = true;
  updateApply(state);
  try {
    const tags = await api(tagsUrl(state.runHash), { method: "POST", body: { ids } });
    state.selected.clear();
    state.parts.popover.hidePopover();
    setTags(state, tags);
    toast(ids.length > 1 ? `Attached ${ids.length} tags` : "Tag attached");
  } catch (error) {
    toast(error.message, "error");
  } finally {
    state.busy = false;
    updateApply(state);
  }
}

async function removeTag(state, tag, button) {
  button.disabled = true;
  try {
    const tags = await api(`${tagsUrl(state.runHash)}detach/`, { method: "POST", body: { ids: [tag.id] } });
    setTags(state, tags);
    toast(`Removed tag ${tag.name}`);
  } catch (error) {
    button.disabled = false;
    toast(error.message, "error");
  }
}

function renderChips(state) {
  const onRemove = state.canEdit ? (tag, button) => removeTag(state, tag, button) : null;
  const chips = state.tags.map((tag) => renderTagChip(tag, { onRemove }));
  if (!chips.length && !state.canEdit && state.emptyText) {
    chips.push(el("span", "muted small", state.emptyText));
  }
  state.chipList.replaceChildren(...chips);
}

function setTags(state, tags) {
  state.tags = (tags || []).map(({ id, name, color }) => ({ id, name, color }));
  renderChips(state);
  if (state.parts) renderOptions(state);
  state.onChange(state.tags);
}

function wirePopover(state) {
  const { popover, search, apply } = state.parts;
  popover.addEventListener("beforetoggle", (event) => {
    if (event.newState === "open") {
      state.selected.clear();
      search.value = "";
      placePopover(state);
      loadChoices(state);
    }
  });
  // Follow the button while open; listeners live only as long as the popover is open,
  // so pages that re-mount many pickers (explorer rows) leak nothing.
  const reposition = () => placePopover(state);
  popover.addEventListener("toggle", (event) => {
    const isOpen = event.newState === "open";
    state.attachButton.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) {
      window.addEventListener("resize", reposition);
      window.addEventListener("scroll", reposition, true);
      search.focus();
    } else {
      window.removeEventListener("resize", reposition);
      window.removeEventListener("scroll", reposition, true);
    }
  });
  search.addEventListener("input", () => renderOptions(state));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      attachSelected(state);
    }
  });
  apply.addEventListener("click", () => attachSelected(state));
}

/** Mount the picker into `container` (its content is replaced). See the header comment. */
export function mountTagPicker(container, { runHash, tags = [], canEdit = false, onChange = () => {}, emptyText = "No tags" }) {
  ensureStylesheet();
  const state = {
    runHash, canEdit, onChange, emptyText, tags: [], choices: [], selected: new Set(),
    loading: false, busy: false, parts: null, attachButton: null,
    chipList: el("span", "tag-picker-chips"),
  };
  const root = el("div", { className: "tag-picker", dataset: { runHash } }, state.chipList);
  if (canEdit) {
    state.parts = buildPopover();
    state.attachButton = el("button", {
      type: "button", className: "btn btn-sm tag-picker-attach", text: "+ Attach",
      attrs: { "aria-haspopup": "dialog", "aria-expanded": "false" },
      popoverTargetElement: state.parts.popover,
    });
    root.append(state.attachButton, state.parts.popover);
    wirePopover(state);
  }
  container.replaceChildren(root);
  setTags(state, tags);
  const picker = {
    update: (newTags) => setTags(state, newTags),
    tags: () => state.tags.slice(),
    destroy: () => {
      if (state.parts?.popover.matches(":popover-open")) state.parts.popover.hidePopover();
      pickers.delete(container);
      container.replaceChildren();
    },
  };
  pickers.set(container, { picker, runHash });
  return picker;
}

/** Apply a live `run.tags` event to the picker mounted in `container`, if it is for its run. */
export function applyTagsEvent(container, event) {
  const entry = pickers.get(container);
  if (!entry || !event || event.type !== "run.tags" || event.hash !== entry.runHash) return false;
  entry.picker.update(event.tags);
  return true;
}
