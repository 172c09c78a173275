// Images, Audios and Texts tabs: sequences on the left; a step range and an index range
// (an informational message instead when only one step or index exists); records load
// a page at a time as the user scrolls, so thousands of images never load at once.
import { api } from "../../js/lib/http.js";
import { el } from "../../js/lib/dom.js";
import { fetchRecords, mountSequenceList } from "./run_sequences.js";
import { highlight, makeMatcher } from "./run_text_search.js";

const PAGE_SIZE = { image: 48, audio: 24, text: 100 };

function setupRange(group, noun) {
  const low = group.querySelector("[data-range-min]");
  const high = group.querySelector("[data-range-max]");
  const inputs = group.querySelector("[data-range-inputs]");
  const text = group.querySelector("[data-range-text]");
  const info = group.querySelector("[data-range-info]");
  const listeners = [];
  const show = () => { text.textContent = `${low.value} – ${high.value}`; };
  low.addEventListener("input", () => { if (Number(low.value) > Number(high.value)) high.value = low.value; show(); });
  high.addEventListener("input", () => { if (Number(high.value) < Number(low.value)) low.value = high.value; show(); });
  for (const input of [low, high]) input.addEventListener("change", () => listeners.forEach((fn) => fn()));
  return {
    reset(first, last) {
      for (const input of [low, high]) { input.min = first; input.max = last; input.step = 1; }
      low.value = first;
      high.value = last;
      const single = first === last;
      inputs.hidden = single;
      info.hidden = !single;
      info.textContent = single ? `Only one ${noun} (${first}) was tracked, so there is nothing to slide.` : "";
      show();
    },
    get value() { return [Number(low.value), Number(high.value)]; },
    onChange(fn) { listeners.push(fn); },
  };
}

function renderImage(record, sequence, openModal) {
  const card = el("figure", "media-card image-card");
  card.dataset.step = record.step;
  card.dataset.index = record.index;
  const image = el("img");
  image.loading = "lazy";
  image.src = record.url;
  image.alt = record.caption || `${sequence.name} step ${record.step} index ${record.index}`;
  if (record.width) { image.width = record.width; image.height = record.height; }
  const caption = el("figcaption");
  caption.append(el("span", "media-caption", record.caption || ""), el("span", "muted small mono", `step ${record.step} · index ${record.index}`));
  card.append(image, caption);
  card.tabIndex = 0;
  card.addEventListener("click", () => openModal(record, sequence));
  card.addEventListener("keydown", (event) => { if (event.key === "Enter") openModal(record, sequence); });
  return card;
}

function renderAudio(record) {
  const card = el("div", "media-card audio-card");
  card.dataset.step = record.step;
  card.dataset.index = record.index;
  const player = el("audio");
  player.controls = true;
  player.preload = "none";
  player.src = record.url;
  card.append(el("div", "media-caption", record.caption || "(no caption)"), el("div", "muted small mono", `step ${record.step} · index ${record.index}`), player);
  return card;
}

function renderText(record, matcher) {
  const card = el("div", "media-card text-card");
  card.dataset.step = record.step;
  card.dataset.index = record.index;
  const body = el("pre", "text-body");
  body.append(...highlight(record.text, matcher));
  card.append(el("div", "muted small mono", `step ${record.step} · index ${record.index}`), body);
  return card;
}

export function mount(data) {
  const main = document.querySelector("[data-media-kind]");
  if (!main) return {};
  const kind = main.dataset.mediaKind;
  const grid = document.getElementById("media-grid");
  const more = document.getElementById("media-more");
  const summary = document.getElementById("media-summary");
  const steps = setupRange(main.querySelector('[data-range="step"]'), "step");
  const indices = setupRange(main.querySelector('[data-range="index"]'), "index");
  const search = document.getElementById("text-search");
  const searchMode = document.getElementById("text-search-mode");
  const searchStatus = document.getElementById("text-search-status");
  const modal = document.getElementById("image-modal");
  let sequence = null;
  let generation = 0;
  let offset = 0;
  let hasMore = false;
  let loading = false;
  let textRecords = [];

  function openModal(record, owner) {
    document.getElementById("image-modal-img").src = record.url;
    document.getElementById("image-modal-img").alt = record.caption || owner.name;
    document.getElementById("image-modal-caption").textContent = record.caption || "(no caption)";
    document.getElementById("image-modal-meta").textContent =
      `${owner.name} · step ${record.step} · index ${record.index}${record.width ? ` · ${record.width}×${record.height}` : ""}`;
    modal.showModal();
  }

  function params() {
    const [stepMin, stepMax] = steps.value;
    const [indexMin, indexMax] = indices.value;
    return { step_min: stepMin, step_max: stepMax, index_min: indexMin, index_max: indexMax };
  }

  async function loadPage() {
    if (loading || !hasMore || !sequence) return;
    loading = true;
    const mine = generation;
    try {
      const query = new URLSearchParams({ ...params(), limit: PAGE_SIZE[kind], offset });
      const page = await api(`/api/v1/objects/sequences/${sequence.id}/records?${query}`);
      if (mine !== generation) return;
      offset += page.records.length;
      hasMore = page.has_more;
      grid.append(...page.records.map((record) => (kind === "image" ? renderImage(record, sequence, openModal) : renderAudio(record))));
      const noun = kind === "image" ? "image" : "clip";
      const shown = grid.childElementCount;
      summary.textContent = `${shown}${hasMore ? "+" : ""} ${noun}${shown === 1 && !hasMore ? "" : "s"} shown`;
      if (!grid.childElementCount) grid.append(el("p", "empty", "Nothing in this range."));
    } finally {
      loading = false;
    }
    if (hasMore && more.getBoundingClientRect().top < window.innerHeight + 400) loadPage();
  }

  function renderTexts() {
    let matcher = null;
    searchStatus.textContent = "";
    try {
      matcher = makeMatcher(search.value, searchMode.value);
    } catch (error) {
      searchStatus.textContent = `Invalid regular expression: ${error.message}`;
    }
    const shown = matcher ? textRecords.filter((record) => matcher.test(record.text)) : textRecords;
    grid.replaceChildren(...shown.slice(0, 500).map((record) => renderText(record, matcher)));
    if (!shown.length) grid.append(el("p", "empty", matcher ? "No text matches the search." : "Nothing in this range."));
    summary.textContent = matcher ? `${shown.length} of ${textRecords.length} texts match` : `${textRecords.length} texts`;
    if (shown.length > 500) summary.textContent += " (first 500 shown)";
  }

  async function reload() {
    generation += 1;
    const mine = generation;
    grid.replaceChildren();
    offset = 0;
    if (kind === "text") {
      summary.textContent = "Loading…";
      const records = await fetchRecords(sequence.id, params());
      if (mine !== generation) return;
      textRecords = records;
      renderTexts();
      return;
    }
    hasMore = true;
    await loadPage();
  }

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadPage();
  }, { rootMargin: "400px" });
  if (kind !== "text") observer.observe(more);

  steps.onChange(reload);
  indices.onChange(reload);
  if (search) {
    search.addEventListener("input", renderTexts);
    searchMode.addEventListener("change", renderTexts);
  }

  mountSequenceList(data.sequences || [], (chosen) => {
    sequence = chosen;
    steps.reset(chosen.first_step ?? 0, chosen.last_step ?? 0);
    indices.reset(0, chosen.max_index ?? 0);
    reload();
  });
  return {};
}
