// The list of tracked sequences (name + unpacked context) on the left of the object
// tabs, with a name filter. The selection is kept in ?sequence=<id> so reload keeps it.
import { api } from "../../js/lib/http.js";
import { el } from "../../js/lib/dom.js";
import { plural } from "../../js/lib/format.js";

export function contextText(context) {
  return Object.entries(context || {}).map(([key, value]) => `${key}: ${value}`).join(", ");
}

export function mountSequenceList(sequences, onSelect) {
  const list = document.getElementById("sequence-list");
  const filter = document.querySelector("[data-sequence-filter]");
  const items = sequences.map((sequence) => {
    const entries = Object.entries(sequence.context || {});
    const chips = entries.map(([key, value]) => el("span", "context-chip", `${key}: ${value}`));
    const choose = () => select(sequence);
    const item = el("li", {
      className: "sequence-item",
      tabIndex: 0,
      attrs: { role: "option" },
      dataset: { sequenceId: sequence.id },
      on: {
        click: choose,
        keydown: (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); } },
      },
    }, [
      el("div", "sequence-name", sequence.name),
      el("div", "sequence-context", entries.length ? chips : el("span", "muted small", "no context")),
      el("div", "muted small", `${plural(sequence.count, "item")} · steps ${sequence.first_step}–${sequence.last_step}`),
    ]);
    list.append(item);
    return { sequence, item };
  });

  function select(sequence) {
    for (const { sequence: other, item } of items) {
      const selected = other.id === sequence.id;
      item.classList.toggle("selected", selected);
      item.setAttribute("aria-selected", String(selected));
    }
    const url = new URL(location.href);
    url.searchParams.set("sequence", sequence.id);
    history.replaceState(null, "", url);
    onSelect(sequence);
  }

  filter?.addEventListener("input", () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const { item } of items) item.hidden = !words.every((word) => item.textContent.toLowerCase().includes(word));
  });

  const wanted = Number(new URL(location.href).searchParams.get("sequence"));
  const first = sequences.find((sequence) => sequence.id === wanted) || sequences[0];
  if (first) select(first);
}

/** Every record of a sequence in [stepMin, stepMax] (paged by the API's offset). */
export async function fetchRecords(sequenceId, params = {}, { max = 20000 } = {}) {
  const records = [];
  for (let offset = 0; offset < max; offset += 1000) {
    const query = new URLSearchParams({ ...params, limit: 1000, offset });
    const page = await api(`/api/v1/objects/sequences/${sequenceId}/records?${query}`);
    records.push(...page.records);
    if (!page.has_more) break;
  }
  return records;
}

/** Every step a sequence tracked, ascending (the step sliders move between them). */
export async function fetchSteps(sequenceId) {
  return (await api(`/api/v1/objects/sequences/${sequenceId}/steps`)).steps;
}
