// Live Update for the Metrics explorer (ws/runs/, runs/live.py): new points of the shown
// series are fetched with ?after_step= and appended; a new run, a new series of a shown
// run, or a removed run re-runs the query (debounced, so a burst asks once).
import { appendPoints, fetchNewPoints } from "./metrics_data.js";
import { explorerLiveEvents } from "../../js/lib/explorer_live_events.js";

export function mountMetricsLive({ data, state, load, draw, popover }) {
  let drawQueued = false;
  const requery = () => live.requery(); // debounced (lib/explorer_live_events.js)

  function redraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => { drawQueued = false; draw(); });
  }

  async function grow(item, alignment) {
    const points = await fetchNewPoints(item);
    const series = data.search?.series.find((entry) => entry.id === item.seriesId);
    if (!appendPoints(item, points, alignment) || !series) return requery();
    // The answer the next draw starts from grows too (its x in the server's units).
    const x = alignment === "absolute_time" ? item.x.map((ms) => (ms === null ? null : ms / 1000)) : item.x;
    Object.assign(series, { x, values: item.y, steps: item.steps, epochs: item.epochs, times: item.times });
    redraw();
  }

  function onRunUpdated(event) {
    const current = state();
    if (!data.search?.runs[event.run.hash]) return;
    if (current.agg === "1" || current.x === "metric") {
      if ((event.metrics || []).length) requery();
      return;
    }
    const shown = new Map(data.items.filter((item) => item.runHash === event.run.hash).map((item) => [item.seriesId, item]));
    const known = new Set(data.search.series.filter((series) => series.run.hash === event.run.hash).map((series) => series.id));
    for (const summary of event.metrics || []) {
      const item = shown.get(summary.id);
      if (item) {
        const last = item.steps.length ? item.steps[item.steps.length - 1] : -1;
        if (summary.last_step !== null && summary.last_step > last) grow(item, current.x).catch(() => requery());
      } else if (!known.has(summary.id) && !summary.name.startsWith("__system__")) {
        requery(); // a series the run just started may match the query
      }
    }
  }

  const live = explorerLiveEvents({
    load,
    isShown: (hash) => Boolean(data.search?.runs[hash]),
    onRunUpdated,
    onTags: (event) => {
      popover.applyTagsEvent(event);
      const run = data.search?.runs[event.hash];
      if (run) {
        run.tags = event.tags;
        redraw();
      }
    },
  });

  return { onEvent: live.onEvent };
}
