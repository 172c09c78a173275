// Distributions tab: pick a layer (name + context), see its histogram at a step (slider
// over the tracked steps, or jump to a step) and a heatmap of the histograms over steps.
import { el } from "../../js/lib/dom.js";
import { whenPlotly } from "../../js/lib/plotly.js";
import { fetchRecords, mountSequenceList, contextText } from "./run_sequences.js";
import { nearestPosition, setTicks } from "./media_range.js";

const PLOT_CONFIG = { displaylogo: false, responsive: true };

function centers(range, count) {
  const [low, high] = range;
  const width = (high - low) / count || 1;
  return Array.from({ length: count }, (_, i) => low + width * (i + 0.5));
}

/** Histograms with different ranges or bin counts, resampled onto one common grid. */
export function commonGrid(records) {
  const first = records[0].data;
  const same = records.every((r) => r.data.bins.length === first.bins.length
    && r.data.range[0] === first.range[0] && r.data.range[1] === first.range[1]);
  if (same) return { y: centers(first.range, first.bins.length), z: records.map((r) => r.data.bins) };
  const low = Math.min(...records.map((r) => r.data.range[0]));
  const high = Math.max(...records.map((r) => r.data.range[1]));
  const count = Math.max(...records.map((r) => r.data.bins.length));
  const width = (high - low) / count || 1;
  const z = records.map((record) => {
    const row = new Array(count).fill(0);
    centers(record.data.range, record.data.bins.length).forEach((center, i) => {
      row[Math.min(count - 1, Math.max(0, Math.floor((center - low) / width)))] += record.data.bins[i];
    });
    return row;
  });
  return { y: centers([low, high], count), z };
}

function transpose(rows) {
  return rows[0].map((_, column) => rows.map((row) => row[column]));
}

export async function mount(data) {
  const Plotly = await whenPlotly();
  const slider = document.getElementById("dist-step-slider");
  if (!slider) return {};
  const output = document.getElementById("dist-step-value");
  const jump = document.getElementById("dist-jump");
  const jumpInput = document.getElementById("dist-step-input");
  const histogram = document.getElementById("dist-histogram");
  const heatmap = document.getElementById("dist-heatmap");
  const title = document.getElementById("dist-title");
  let records = [];
  let sequence = null;

  function showStep(position) {
    const record = records[position];
    if (!record) return;
    slider.value = position;
    output.textContent = `step ${record.step}`;
    histogram.dataset.step = record.step;
    const x = centers(record.data.range, record.data.bins.length);
    Plotly.react(histogram, [{ type: "bar", x, y: record.data.bins, marker: { color: "#1473e6" },
      hovertemplate: "value %{x:.4g}<br>count %{y}<extra></extra>" }],
    { height: 300, margin: { l: 50, r: 16, t: 10, b: 40 }, bargap: 0.02,
      xaxis: { title: { text: "value" } }, yaxis: { title: { text: "count" } } }, PLOT_CONFIG);
    Plotly.relayout(heatmap, { shapes: [{ type: "line", xref: "x", yref: "paper", x0: record.step, x1: record.step, y0: 0, y1: 1, line: { color: "#d93a3a", width: 1 } }] }).catch(() => {});
  }

  function drawHeatmap() {
    const grid = commonGrid(records);
    Plotly.react(heatmap, [{ type: "heatmap", x: records.map((r) => r.step), y: grid.y, z: transpose(grid.z),
      colorscale: "Blues", hovertemplate: "step %{x}<br>value %{y:.4g}<br>count %{z}<extra></extra>" }],
    { height: 340, margin: { l: 50, r: 16, t: 10, b: 40 }, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "value" } } },
    PLOT_CONFIG);
  }

  slider.addEventListener("input", () => showStep(Number(slider.value)));
  jump.addEventListener("submit", (event) => {
    event.preventDefault();
    showStep(nearestPosition(records.map((record) => record.step), Number(jumpInput.value)));
  });

  mountSequenceList(data.sequences || [], async (chosen) => {
    sequence = chosen;
    title.textContent = `${chosen.name}${Object.keys(chosen.context || {}).length ? ` (${contextText(chosen.context)})` : ""}`;
    // Plotly keeps its state on the element: clearing the DOM without purging leaves
    // a chart that the next Plotly.react believes is still drawn (a blank histogram).
    window.Plotly.purge(histogram);
    histogram.replaceChildren(el("p", "muted small", "Loading…"));
    records = await fetchRecords(chosen.id, { index_max: 0 });
    if (sequence !== chosen) return;
    histogram.replaceChildren();
    slider.max = Math.max(0, records.length - 1);
    slider.disabled = records.length < 2;
    setTicks(slider, records.length);
    drawHeatmap();
    showStep(records.length - 1);
  });
  return {};
}
