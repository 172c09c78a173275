// Metrics and System tabs: one chart card per series (run_metric_chart.js), or, with
// "Contexts on one chart", one card per metric name overlaying its contexts (train and
// val together). Cards load when scrolled into view, downsampled by the server to about
// the chart's width. Pinned metrics go first; pins are saved on the run. System charts
// show units and default to wall-clock time. Live: new points come with ?after_step=.
// Charts first paint on a canvas, without Plotly (issue 17: the first screen in
// <= 150 ms warm); a chart switches to Plotly when the pointer enters it, and every
// chart does once a setting changes (lib/series_chart.js firstPaint).
import { api } from "../../js/lib/http.js";
import { toast } from "../../js/lib/toast.js";
import { createMetricChart, LINE_COLORS } from "./run_metric_chart.js";
import { el } from "../../js/lib/dom.js";
import { metricsExplorerUrl } from "../../js/lib/explorer_links.js";
import { systemUnit } from "../../js/lib/format.js";
import { readStored, writeStored } from "../../js/lib/storage.js";
import { prefetchPlotly } from "../../js/lib/plotly.js";

const SYSTEM_PREFIX = "__system__";
const MAX_LIVE_POINTS = 6000; // past this, reload the downsampled series instead of appending
const OVERLAY_KEY = "run.overlayContexts";

function contextText(context) {
  const entries = Object.entries(context || {});
  return entries.length ? entries.map(([key, value]) => `${key}: ${value}`).join(", ") : "no context";
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
  const overlayBox = document.getElementById("chart-overlay");
  const pinned = new Set(run.pinned_metrics || []);
  const allSeries = []; // every series of this tab, in the server's order
  const cards = new Map(); // card key -> {key, seriesList, card, body, pinButton, chart, loading}
  const cardOfSeries = new Map(); // series id -> its card
  const timeOrigin = Date.parse(run.created_at) / 1000;
  let isOverlay = !isSystem && Boolean(overlayBox && readStored(OVERLAY_KEY, false));
  let isInteractive = false; // a setting changed: charts are drawn by Plotly
  if (overlayBox) overlayBox.checked = isOverlay;

  const pinnedGrid = el("div", { className: "chart-cards", id: "pinned-charts" });
  const pinnedSection = el("div", "chart-section", [el("h2", "chart-section-title", "Pinned"), pinnedGrid]);
  const restGrid = el("div", { className: "chart-cards", id: "other-charts" });
  grid.append(pinnedSection, restGrid);

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) load(entry.target.dataset.cardKey);
    }
  }, { rootMargin: "300px" });

  const isPinned = (item) => item.seriesList.some((series) => pinned.has(seriesKey(series)));
  const unitOf = (series) => (isSystem ? systemUnit(series.name.slice(SYSTEM_PREFIX.length), run.system_units) : "");

  function placeCards() {
    const sorted = [...cards.values()];
    const pins = [...pinned];
    const firstPin = (item) => Math.min(...item.seriesList.map((series) => pins.indexOf(seriesKey(series))).filter((i) => i >= 0));
    pinnedGrid.replaceChildren(...sorted.filter(isPinned).sort((a, b) => firstPin(a) - firstPin(b)).map((item) => item.card));
    restGrid.replaceChildren(...sorted.filter((item) => !isPinned(item)).map((item) => item.card));
    pinnedSection.hidden = pinnedGrid.childElementCount === 0;
    for (const item of cards.values()) {
      item.pinButton.textContent = isPinned(item) ? "Unpin" : "Pin";
      item.pinButton.setAttribute("aria-pressed", String(isPinned(item)));
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

  function legend(seriesList) {
    if (seriesList.length === 1) {
      const [series] = seriesList;
      return [el("span", `context-chip${Object.keys(series.context || {}).length ? "" : " muted"}`, contextText(series.context))];
    }
    return seriesList.map((series, index) => el("span", "context-chip legend-chip", [
      el("span", { className: "swatch", style: { "--swatch": LINE_COLORS[index % LINE_COLORS.length] } }),
      contextText(series.context),
    ]));
  }

  function addCard(cardKey, seriesList) {
    const [first] = seriesList;
    const unit = unitOf(first);
    const name = isSystem ? first.name.slice(SYSTEM_PREFIX.length) : first.name;
    const title = el("div", "chart-title", [
      el("strong", "", name),
      ...(unit ? [el("span", "muted small unit", `(${unit})`)] : []),
      ...legend(seriesList),
    ]);
    const item = { key: cardKey, seriesList, unit, chart: null, loading: null };
    item.pinButton = el("button", {
      type: "button",
      className: "btn btn-sm pin-button",
      disabled: !run.can_edit,
      attrs: { title: run.can_edit ? null : "Only the owner or staff may pin metrics" },
      on: {
        click: () => {
          const wasPinned = isPinned(item);
          for (const series of item.seriesList) {
            if (wasPinned) pinned.delete(seriesKey(series)); else pinned.add(seriesKey(series));
          }
          placeCards();
          savePins(wasPinned ? `Unpinned ${first.name}.` : `Pinned ${first.name}.`);
        },
      },
    });
    const explorerLink = el("a", {
      className: "btn btn-sm", text: "Open in explorer",
      href: metricsExplorerUrl(`run.hash == "${run.hash}"`, seriesList.map((series) => ({ name: series.name, context: series.context || {} }))),
      attrs: { title: "Compare this metric with other runs in the Metrics explorer" },
    });
    item.body = el("div", "chart-body", el("div", "chart-loading muted small", "Loading…"));
    item.card = el("article", {
      className: "card chart-card",
      dataset: { cardKey, metric: first.name, contexts: String(seriesList.length), ...(seriesList.length === 1 ? { seriesId: first.id } : {}) },
    }, [el("header", "chart-header", isSystem ? title : [title, el("span", "chart-actions", [explorerLink, item.pinButton])]), item.body]);
    cards.set(cardKey, item);
    for (const series of seriesList) cardOfSeries.set(series.id, item);
    observer.observe(item.card);
    return item;
  }

  function buildCards() {
    observer.disconnect();
    for (const item of cards.values()) item.chart?.destroy();
    cards.clear();
    cardOfSeries.clear();
    if (!isOverlay) {
      for (const series of allSeries) addCard(String(series.id), [series]);
    } else {
      const byName = new Map();
      for (const series of allSeries) byName.set(series.name, [...(byName.get(series.name) || []), series]);
      for (const [name, seriesList] of byName) addCard(`name:${name}`, seriesList);
    }
    placeCards();
  }

  function addSeries(series) {
    allSeries.push(series);
    const group = isOverlay ? cards.get(`name:${series.name}`) : null;
    if (!group) return addCard(isOverlay ? `name:${series.name}` : String(series.id), [series]);
    // A new context of an overlaid metric: its card is built again with it.
    buildCards();
    return null;
  }

  function maxPoints(item) {
    return Math.min(2000, Math.max(200, Math.round(item.body.clientWidth || 1000)));
  }

  // The first screen's points came inlined in the page (runs/run_page.py): each is
  // used once, by the first load of its card.
  const inlined = document.getElementById("run-first-points");
  const firstPoints = new Map(Object.entries(inlined ? JSON.parse(inlined.textContent) : {}));
  function takeFirstPoints(id) {
    const points = firstPoints.get(String(id));
    firstPoints.delete(String(id));
    return points;
  }

  function pointsUrl(id, query) {
    return `/api/v1/runs/${run.hash}/metrics/${id}/points${query ? `?${query}` : ""}`;
  }

  // A second after the first chart is drawn, while idle, Plotly's bundle is fetched
  // (not run), so that the first hover only has to parse it.
  let isPrefetchScheduled = false;
  function schedulePrefetch() {
    if (isPrefetchScheduled) return;
    isPrefetchScheduled = true;
    setTimeout(() => (window.requestIdleCallback || setTimeout)(prefetchPlotly), 1000);
  }

  async function load(cardKey, { force = false } = {}) {
    const item = cards.get(cardKey);
    if (!item || (item.chart && !force) || item.loading) return item?.loading;
    item.loading = (async () => {
      try {
        // Points inlined in the page are drawn in this task, with no await before,
        // so that the first screen's charts are drawn together (lib/series_canvas.js).
        const inlined = item.seriesList.map((series) => (force ? null : takeFirstPoints(series.id)));
        const columns = inlined.every(Boolean) ? inlined : await Promise.all(item.seriesList.map((series, index) => inlined[index]
          || api(pointsUrl(series.id, `max_points=${maxPoints(item)}`))));
        if (!cards.has(cardKey)) return; // the cards were rebuilt meanwhile
        if (!item.chart) {
          item.body.replaceChildren();
          item.chart = createMetricChart(item.body, {
            xAxis: xAxisSelect.value, smoothing: Number(smoothingInput.value), timeOrigin, unit: item.unit,
            firstPaint: isInteractive ? "plotly" : "canvas",
          });
        }
        for (const [index, points] of columns.entries()) {
          const series = item.seriesList[index];
          await item.chart.setData(points, series.id, { color: LINE_COLORS[index % LINE_COLORS.length] });
        }
        item.card.dataset.loaded = "true";
        item.card.dataset.points = String(item.chart.pointCount);
        schedulePrefetch();
      } catch (error) {
        item.body.replaceChildren(el("p", "muted small", `Could not load points: ${error.message}`));
      } finally {
        item.loading = null;
      }
    })();
    return item.loading;
  }

  async function catchUp(id) {
    const item = cardOfSeries.get(id);
    if (!item?.chart || item.loading) return;
    if (item.chart.pointCountOf(id) > MAX_LIVE_POINTS) {
      await load(item.key, { force: true });
      return;
    }
    const after = item.chart.lastStepOf(id);
    const points = await api(pointsUrl(id, after === null ? "" : `after_step=${after}`));
    if (points.count && cardOfSeries.get(id) === item) {
      await item.chart.append(points, id);
      item.card.dataset.points = String(item.chart.pointCount);
    }
  }

  /** Whether a series summary's last step is past what its drawn chart holds. */
  function hasNewPoints(summary) {
    const chart = cardOfSeries.get(summary.id)?.chart;
    if (!chart || summary.last_step === null) return false;
    return summary.last_step > (chart.lastStepOf(summary.id) ?? -1);
  }

  function isMine(summary) {
    return summary.name.startsWith(SYSTEM_PREFIX) === isSystem;
  }

  /** After a setting changed, Plotly draws every chart (the first call loads it). */
  function becomeInteractive() {
    isInteractive = true;
    for (const item of cards.values()) item.chart?.takeOver();
  }

  allSeries.push(...(data.series_rows || []));
  buildCards();
  // Cards in view whose points came inside the page are drawn now, not a frame later
  // when the observer first reports them (positions read first: one layout).
  const inView = [...cards.values()].filter((item) => item.seriesList.every((series) => firstPoints.has(String(series.id)))
    && item.card.getBoundingClientRect().top < window.innerHeight);
  for (const item of inView) load(item.key);

  xAxisSelect.addEventListener("change", () => {
    for (const item of cards.values()) item.chart?.setXAxis(xAxisSelect.value);
    becomeInteractive();
  });
  smoothingInput.addEventListener("input", () => {
    smoothingOutput.textContent = smoothingInput.value;
    for (const item of cards.values()) item.chart?.setSmoothing(smoothingInput.value);
    becomeInteractive();
  });
  overlayBox?.addEventListener("change", () => {
    isOverlay = overlayBox.checked;
    writeStored(OVERLAY_KEY, isOverlay);
    isInteractive = true;
    buildCards();
  });

  return {
    async onOpen() {
      // Catch up on what happened while the socket was closed: new series, new points.
      const all = await api(`/api/v1/runs/${run.hash}/metrics/`);
      let added = false;
      for (const series of all.filter(isMine)) {
        if (!cardOfSeries.has(series.id)) { addSeries(series); added = true; }
      }
      if (added) placeCards();
      // Only series the summaries say have grown past their chart: a finished run's
      // page sends no request here.
      await Promise.all(all.filter((series) => hasNewPoints(series)).map((series) => catchUp(series.id).catch(() => {})));
    },
    onEvent(event) {
      if (event.type !== "run.updated") return;
      let added = false;
      for (const summary of event.metrics || []) {
        if (!isMine(summary)) continue;
        if (!cardOfSeries.has(summary.id)) { addSeries(summary); added = true; continue; }
        if (hasNewPoints(summary)) catchUp(summary.id).catch(() => {});
      }
      if (added) placeCards();
    },
  };
}
