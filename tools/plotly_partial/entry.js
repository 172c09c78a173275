"use strict";
// The trace types aimsite's own charts draw (grep `type: "` in the static JS):
// scatter (in core), scattergl (metric charts, Scatters explorer), bar and heatmap
// (Distributions tab). The Params explorer draws its parallel coordinates on a canvas
// of its own (runs/static/runs/js/parcoords_canvas.js) and loads no Plotly. Tracked
// user figures may use any trace type: their pages load the full bundle instead
// (templates/_partials/plotly_script.html).
var Plotly = require("plotly.js/lib/core");

Plotly.register([
  require("plotly.js/lib/scattergl"),
  require("plotly.js/lib/bar"),
  require("plotly.js/lib/heatmap"),
]);

module.exports = Plotly;
