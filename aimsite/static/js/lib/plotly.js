// The one way page modules reach Plotly. A page loads one Plotly bundle with an async
// classic script marked data-plotly (templates/_partials/plotly_script.html), so it
// never holds up the page's modules: they fetch their data while it downloads and
// parses, and await whenPlotly() before their first draw.
//
// Most pages get the partial bundle (1.5 MB: the trace types our own charts draw,
// tools/plotly_partial/). Pages that draw tracked user figures, which may hold any
// trace type, get the full bundle (4.8 MB) and ask for it with whenPlotly({ full: true }).
// Should a page with the partial ask for the full one, the full bundle is loaded once
// and takes over window.Plotly for every later draw: one global at a time, same version.
//
// A page whose first screen needs no Plotly (the run page's chart tabs draw a canvas
// first: lib/series_chart.js) includes the script lazily: an inert <template
// data-plotly data-src> that the first whenPlotly() turns into the script, and
// prefetchPlotly() puts into the HTTP cache without running it.
//
//   const Plotly = await whenPlotly();                 // before drawing our charts
//   const Plotly = await whenPlotly({ full: true });   // before drawing a user figure
//   plotly().purge(node);                              // after a draw, when it is surely there
let ready = null;
let fullReady = null;

function scriptLoaded(script) {
  return new Promise((resolve, reject) => {
    script.addEventListener("load", () => resolve(window.Plotly));
    script.addEventListener("error", () => reject(new Error("Plotly could not be loaded")));
  });
}

function pageScript() {
  const script = document.querySelector("[data-plotly]");
  if (!script) throw new Error("Plotly is not on this page: include _partials/plotly_script.html");
  if (script.tagName === "SCRIPT") return script;
  const loading = document.createElement("script");
  loading.src = script.dataset.src;
  loading.dataset.plotly = script.dataset.plotly;
  loading.dataset.fullSrc = script.dataset.fullSrc;
  script.replaceWith(loading);
  return loading;
}

/** A lazily included bundle is fetched into the cache (not run), so that the first
 *  whenPlotly() only parses it. */
export function prefetchPlotly() {
  const lazy = document.querySelector("template[data-plotly]");
  if (!lazy || document.querySelector("link[data-plotly-prefetch]")) return;
  const link = document.createElement("link");
  link.rel = "prefetch";
  link.href = lazy.dataset.src;
  link.dataset.plotlyPrefetch = "";
  document.head.append(link);
}

function whenFull() {
  if (!fullReady) {
    fullReady = whenPlotly().then(() => {
      const script = pageScript();
      if (script.dataset.plotly === "full") return window.Plotly;
      const full = document.createElement("script");
      full.src = script.dataset.fullSrc;
      full.dataset.plotly = "full";
      const loaded = scriptLoaded(full);
      script.replaceWith(full);
      return loaded;
    });
  }
  return fullReady;
}

export function whenPlotly({ full = false } = {}) {
  if (full) return whenFull();
  if (fullReady) return fullReady;
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!ready) {
    try {
      ready = scriptLoaded(pageScript());
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return ready;
}

export function plotly() {
  if (!window.Plotly) throw new Error("Plotly is not loaded yet: await whenPlotly() first");
  return window.Plotly;
}
