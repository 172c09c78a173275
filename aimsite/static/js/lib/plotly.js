// The one way page modules reach Plotly. Pages load plotly.min.js (4.8 MB) with an
// async classic script marked data-plotly (templates/_partials/plotly_script.html), so
// it never holds up the page's modules: they fetch their data while it downloads and
// parses, and await whenPlotly() before their first draw.
//
//   const Plotly = await whenPlotly();   // before drawing
//   plotly().purge(node);                // after a draw, when it is surely there
let ready = null;

export function whenPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!ready) {
    ready = new Promise((resolve, reject) => {
      const script = document.querySelector("script[data-plotly]");
      if (!script) {
        reject(new Error("Plotly is not on this page: include _partials/plotly_script.html"));
        return;
      }
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => reject(new Error("Plotly could not be loaded")));
    });
  }
  return ready;
}

export function plotly() {
  if (!window.Plotly) throw new Error("Plotly is not loaded yet: await whenPlotly() first");
  return window.Plotly;
}
