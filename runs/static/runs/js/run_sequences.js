// The list of tracked sequences (name + unpacked context) on the left of the object
// tabs, with a name filter. The selection is kept in ?sequence=<id> so reload keeps it.
import { api } from "../../js/lib/http.js";

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function contextText(context) {
  return Object.entries(context || {}).map(([key, value]) => `${key}: ${value}`).join(", ");
}

export function mountSequenceList(sequences, onSelect) {
  const list = document.getElementById("sequence-list");
  const filter = document.querySelector("[data-sequence-filter]");
  const items = sequences.map((sequence) => {
    const item = el("li", "sequence-item");
    item.setAttribute("role", "option");
    item.tabIndex = 0;
    item.dataset.sequenceId = sequence.id;
    item.append(el("div", "sequence-name", sequence.name));
    const entries = Object.entries(sequence.context || {});
    const context = el("div", "sequence-context");
    for (const [key, value] of entries) context.append(el("span", "context-chip", `${key}: ${value}`));
    if (!entries.length) context.append(el("span", "muted small", "no context"));
    item.append(context, el("div", "muted small", `${sequence.count} item${sequence.count === 1 ? "" : "s"} · steps ${sequence.first_step}–${sequence.last_step}`));
    const choose = () => select(sequence);
    item.addEventListener("click", choose);
    item.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); } });
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
