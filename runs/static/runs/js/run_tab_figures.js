// Figures tab: Plotly figures by name, context and step, drawn interactively at their
// own size; the container scrolls when a figure is larger than it.
import { el } from "../../js/lib/dom.js";
import { whenPlotly } from "../../js/lib/plotly.js";
import { fetchRecords, mountSequenceList, contextText } from "./run_sequences.js";
import { drawFigure, purgeFigures } from "./media_items.js";
import { setTicks } from "./media_range.js";

export async function mount(data) {
  await whenPlotly({ full: true }); // the tab draws figures as soon as it mounts
  const slider = document.getElementById("figure-step-slider");
  if (!slider) return {};
  const output = document.getElementById("figure-step-value");
  const info = document.getElementById("figure-step-info");
  const list = document.getElementById("figure-list");
  const title = document.getElementById("figure-title");
  let steps = [];
  let records = [];
  let sequence = null;

  function showStep(position) {
    const step = steps[position];
    slider.value = position;
    output.textContent = `step ${step}`;
    purgeFigures(list);
    list.replaceChildren();
    for (const record of records.filter((r) => r.step === step)) {
      const frame = el("div", "figure-frame");
      frame.dataset.step = record.step;
      const plot = el("div", "figure-plot");
      frame.append(el("div", "muted small mono", `step ${record.step} · index ${record.index}`), plot);
      list.append(frame);
      drawFigure(plot, record);
    }
  }

  slider.addEventListener("input", () => showStep(Number(slider.value)));

  mountSequenceList(data.sequences || [], async (chosen) => {
    sequence = chosen;
    title.textContent = `${chosen.name}${Object.keys(chosen.context || {}).length ? ` (${contextText(chosen.context)})` : ""}`;
    purgeFigures(list);
    list.replaceChildren(el("p", "muted small", "Loading…"));
    const loaded = await fetchRecords(chosen.id, {}, { max: 2000 });
    if (sequence !== chosen) return;
    records = loaded;
    steps = [...new Set(records.map((r) => r.step))];
    slider.max = Math.max(0, steps.length - 1);
    setTicks(slider, steps.length);
    slider.closest("label").hidden = steps.length < 2;
    info.hidden = steps.length >= 2;
    info.textContent = steps.length < 2 ? "Only one step was tracked." : "";
    showStep(steps.length - 1);
  });
  return {};
}
