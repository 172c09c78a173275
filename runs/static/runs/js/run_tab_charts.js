// Metrics and System tabs: one chart per series (run_metric_chart.js), loaded when scrolled
// into view, downsampled by the server to about the chart's width. Pinned metrics go
// first; pins are saved on the run. Live: new points are fetched with ?after_step=.
import { api } from "../../js/lib/http.js";
import { toast } from "../../js/lib/toast.js";
import { createMetricChart } from "./run_metric_chart.js";
import { el } from "../../js/lib/dom.js";
import { metricsExplorerUrl } from "../../js/lib/explorer_links.js";

const SYSTEM_PREFIX = "__system__";
const MAX_LIVE_POINTS = 6000; // past this, reload the downsampled series instead of appending

function contextChips(context) {
  const entries = Object.entries(context || {});
  if (!entries.length) return [el("span", "context-chip muted", "no context")];
  return entries.map(([key, value]) => el("span", "context-chip", `${key}: ${value}`));
}

function seriesKey(series) {
  const sorted = Object.keys(series.context || {}).sort();
  const canonical = JSON.stringify(Object.fromEntries(sorted.map((k) => [k, series.context[k]])));
  return series.key || `${series.name} ${canonical}`;
}

export function mount(data, run) {
  const isSystem = data.tab === "system";
  const grid = document.getElementById("charts");
  if (!grid) return {};
  const xAxisSelect = document.getElementById("chart-x-axis");
  const smoothingInput = document.getElementById("chart-smoothing");
  const smoothingOutput = document.getElementById("chart-smoothing-value");
  const pinned = new Set(run.pinned_metrics || []);
  const cards = new Map(); // series id -> {series, card, chart, loading, loaded}
  const timeOrigin = Date.parse(run.created_at) / 1000;

  const pinnedGrid = el("div", { className: "chart-cards", id: "pinned-charts" });
  const pinnedSection = el("div", "chart-section", [el("h2", "chart-section-title", "Pinned"), pinnedGrid]);
  const restGrid = el("div", { className: "chart-cards", id: "other-charts" });
  grid.append(pinnedSection, restGrid);

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) load(Number(entry.target.dataset.seriesId));
    }
  }, { rootMargin: "300px" });

  function placeCards() {
    const sorted = [...cards.values()];
    const pins = [...pinned];
    pinnedGrid.replaceChildren(...sorted
      .filter((item) => pinned.has(item.key))
      .sort((a, b) => pins.indexOf(a.key) - pins.indexOf(b.key))
      .map((item) => item.card));
    restGrid.replaceChildren(...sorted.filter((item) => !pinned.has(item.key)).map((item) => item.card));
    pinnedSection.hidden = pinnedGrid.childElementCount === 0;
    for (const item of cards.values()) {
      item.pinButton.textContent = pinned.has(item.key) ? "Unpin" : "Pin";
      item.pinButton.setAttribute("aria-pressed", String(pinned.has(item.key)));
    }
  }

  async function savePins(message) {
    try {
      const updated = await api(`/api/v1/runs/${run.hash}/`, { method: "PATCH", body: { pinned_metrics: [...pinned] } });
      run.pinned_metrics = updated.pinned_metrics;
      toast(message);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function addCard(series) {
    const key = seriesKey(series);
    const title = el("div", "chart-title", [
      el("strong", "", isSystem ? series.name.slice(SYSTEM_PREFIX.length) : series.name),
      ...contextChips(series.context),
    ]);
    const pinButton = el("button", {
      type: "button",
      className: "btn btn-sm pin-button",
      text: pinned.has(key) ? "Unpin" : "Pin",
      disabled: !run.can_edit,
      attrs: { title: run.can_edit ? null : "Only the owner or staff may pin metrics" },
      on: {
        click: () => {
          const wasPinned = pinned.has(key);
          if (wasPinned) pinned.delete(key); else pinned.add(key);
          placeCards();
          savePins(wasPinned ? `Unpinned ${series.name}.` : `Pinned ${series.name}.`);
        },
      },
    });
    const explorerLink = el("a", {
      className: "btn btn-sm", text: "Open in explorer",
      href: metricsExplorerUrl(`run.hash == "${run.hash}"`, [{ name: series.name, context: series.context || {} }]),
      attrs: { title: "Compare this metric with other runs in the Metrics explorer" },
    });
    const body = el("div", "chart-body", el("div", "chart-loading muted small", "Loading…"));
    const card = el("article", {
      className: "card chart-card",
      dataset: { seriesId: series.id, metric: series.name },
    }, [el("header", "chart-header", isSystem ? title : [title, el("span", "chart-actions", [explorerLink, pinButton])]), body]);
    const item = { series, key, card, body, pinButton, chart: null, loading: null };
    cards.set(series.id, item);
    observer.observe(card);
    return item;
  }

  function maxPoints(item) {
    return Math.min(2000, Math.max(200, Math.round(item.body.clientWidth || 1000)));
  }

  async function load(id, { force = false } = {}) {
    const item = cards.get(id);
    if (!item || (item.chart && !force) || item.loading) return item?.loading;
    item.loading = (async () => {
      try {
        const points = await api(`/api/v1/runs/${run.hash}/metrics/${id}/points?max_points=${maxPoints(item)}`);
        if (!item.chart) {
          item.body.replaceChildren();
          item.chart = createMetricChart(item.body, {
            xAxis: xAxisSelect.value, smoothing: Number(smoothingInput.value), timeOrigin,
          });
        }
        item.chart.setData(points);
        item.card.dataset.loaded = "true";
        item.card.dataset.points = String(points.count);
      } catch (error) {
        item.body.replaceChildren(el("p", "muted small", `Could not load points: ${error.message}`));
      } finally {
        item.loading = null;
      }
    })();
    return item.loading;
  }

  async function catchUp(id) {
    const item = cards.get(id);
    if (!item?.chart || item.loading) return;
    if (item.chart.pointCount > MAX_LIVE_POINTS) {
      await load(id, { force: true });
      return;
    }
    const after = item.chart.lastStep;
    const points = await api(`/api/v1/runs/${run.hash}/metrics/${id}/points${after === null ? "" : `?after_step=${after}`}`);
    if (points.count) {
      item.chart.append(points);
      item.card.dataset.points = String(item.chart.pointCount);
    }
  }

  function isMine(summary) {
    return summary.name.startsWith(SYSTEM_PREFIX) === isSystem;
  }

  for (const series of data.series_rows || []) addCard(series);
  placeCards();

  xAxisSelect.addEventListener("change", () => {
    for (const item of cards.values()) item.chart?.setXAxis(xAxisSelect.value);
  });
  smoothingInput.addEventListener("input", () => {
    smoothingOutput.textContent = smoothingInput.value;
    for (const item of cards.values()) item.chart?.setSmoothing(smoothingInput.value);
  });

  return {
    async onOpen() {
      // Catch up on what happened while the socket was closed: new series, new points.
      const all = await api(`/api/v1/runs/${run.hash}/metrics/`);
      let added = false;
      for (const series of all.filter(isMine)) {
        if (!cards.has(series.id)) { addCard(series); added = true; }
      }
      if (added) placeCards();
      await Promise.all([...cards.keys()].map((id) => catchUp(id).catch(() => {})));
    },
    onEvent(event) {
      if (event.type !== "run.updated") return;
      let added = false;
      for (const summary of event.metrics || []) {
        if (!isMine(summary)) continue;
        if (!cards.has(summary.id)) { addCard(summary); added = true; continue; }
        const item = cards.get(summary.id);
        if (item.chart && summary.last_step !== null && summary.last_step > (item.chart.lastStep ?? -1)) {
          catchUp(summary.id).catch(() => {});
        }
      }
      if (added) placeCards();
    },
  };
}
