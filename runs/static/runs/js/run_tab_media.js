// Images, Audios and Texts tabs: sequences on the left; a step range over the steps
// the sequence tracked and an index range (an informational message instead when only
// one step or index exists); records load a page at a time as the user scrolls, so
// thousands of images never load at once. Cards come from media_items.js, the texts
// search from text_search.js: the media explorer shows them the same way.
import { api } from "../../js/lib/http.js";
import { el } from "../../js/lib/dom.js";
import { fetchRecords, fetchSteps, mountSequenceList } from "./run_sequences.js";
import { mountTextSearch } from "./text_search.js";
import { mountRange } from "./media_range.js";
import { audioCard, imageCard, openImageModal, textCard } from "./media_items.js";

const PAGE_SIZE = { image: 48, audio: 24, text: 100 };

export function mount(data) {
  const main = document.querySelector("[data-media-kind]");
  if (!main) return {};
  const kind = main.dataset.mediaKind;
  const grid = document.getElementById("media-grid");
  const more = document.getElementById("media-more");
  const summary = document.getElementById("media-summary");
  const steps = mountRange(main.querySelector('[data-range="step"]'), "step");
  const indices = mountRange(main.querySelector('[data-range="index"]'), "index");
  const searchRoot = main.querySelector("[data-text-search-root]");
  let sequence = null;
  let generation = 0;
  let offset = 0;
  let hasMore = false;
  let loading = false;
  let textRecords = [];

  function params() {
    const [stepMin, stepMax] = steps.value;
    const [indexMin, indexMax] = indices.value;
    return { step_min: stepMin, step_max: stepMax, index_min: indexMin, index_max: indexMax };
  }

  async function loadPage() {
    if (loading || !hasMore || !sequence) return;
    loading = true;
    const mine = generation;
    let stale = false;
    try {
      const query = new URLSearchParams({ ...params(), limit: PAGE_SIZE[kind], offset });
      const page = await api(`/api/v1/objects/sequences/${sequence.id}/records?${query}`);
      if (mine !== generation) {
        stale = true; // the range changed while this page was on its way
      } else {
        offset += page.records.length;
        hasMore = page.has_more;
        grid.append(...page.records.map((record) => (kind === "image"
          ? imageCard(record, { alt: record.caption || `${sequence.name} step ${record.step} index ${record.index}`, onOpen: () => openImageModal(record, sequence.name) })
          : audioCard(record))));
        const noun = kind === "image" ? "image" : "clip";
        const shown = grid.childElementCount;
        summary.textContent = `${shown}${hasMore ? "+" : ""} ${noun}${shown === 1 && !hasMore ? "" : "s"} shown`;
        if (!grid.childElementCount) grid.append(el("p", "empty", "Nothing in this range."));
      }
    } finally {
      loading = false;
    }
    // A reload that came while this page was loading found `loading` set and left the
    // new range to this call: load its first page now.
    if (stale || (hasMore && more.getBoundingClientRect().top < window.innerHeight + 400)) loadPage();
  }

  function renderTexts(matcher = textSearch?.matcher() ?? null) {
    const shown = matcher ? textRecords.filter((record) => matcher.test(record.text)) : textRecords;
    grid.replaceChildren(...shown.slice(0, 500).map((record) => textCard(record, matcher)));
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
  const textSearch = searchRoot ? mountTextSearch(searchRoot, (matcher) => renderTexts(matcher)) : null;

  mountSequenceList(data.sequences || [], async (chosen) => {
    sequence = chosen;
    generation += 1;
    grid.replaceChildren();
    const tracked = await fetchSteps(chosen.id);
    if (sequence !== chosen) return;
    steps.reset(tracked);
    indices.reset(Array.from({ length: (chosen.max_index ?? 0) + 1 }, (_, i) => i));
    reload();
  });
  return {};
}
