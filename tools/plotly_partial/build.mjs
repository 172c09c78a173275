// Builds the partial Plotly bundle: plotly.js with only the trace types entry.js
// registers (1.5 MB instead of the full bundle's 4.8 MB).
//
//   node build.mjs [OUTPUT]      (default: dist/plotly-partial.min.js, gitignored)
//
// Its output is never committed, nor built by hand: aimsite/assets.py runs `npm ci` (from the
// lock file) and this script at install/start time (`aimsite up`, `aimsite assets`,
// ./runtests, the test session) whenever the output is missing or older than this
// directory's sources, and the site serves the full bundle of the `plotly` PyPI
// package when it cannot. When that package moves to a new plotly.js version, set
// "plotly.js" in package.json to the version its package_data/plotly.min.js names in
// its header (tests/aimsite/test_assets.py checks that the two match) and
// update the lock file. Settings follow plotly.js's own esbuild-config.js.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { glsl } from "esbuild-plugin-glsl";

const here = dirname(fileURLToPath(import.meta.url));
const output = resolve(process.argv[2] ?? join(here, "dist/plotly-partial.min.js"));
const { version } = JSON.parse(readFileSync(join(here, "node_modules/plotly.js/package.json"), "utf8"));

// Only the map subplots import a stylesheet (maplibre's), and no trace here draws a map.
const noStylesheets = {
  name: "no-stylesheets",
  setup(builder) {
    builder.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: "no-css" }));
    builder.onLoad({ filter: /.*/, namespace: "no-css" }, () => ({ contents: "", loader: "js" }));
  },
};

const result = await build({
  entryPoints: [join(here, "entry.js")],
  format: "iife",
  globalName: "Plotly",
  bundle: true,
  minify: true,
  write: false,
  legalComments: "eof",
  plugins: [noStylesheets, glsl({ minify: true })],
  alias: { regl: "@plotly/regl" },
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  target: "es2016",
  logLevel: "warning",
});

const header = `/**
* plotly.js v${version} (partial bundle: scatter, scattergl, bar, heatmap)
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
* Built by aimsite's tools/plotly_partial/build.mjs from the plotly.js npm package;
* the licenses of the packages bundled with it follow at the end of this file.
*/
`;
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, header + result.outputFiles[0].text);
console.log(`wrote ${output} (${(result.outputFiles[0].contents.length / 1e6).toFixed(2)} MB, plotly.js v${version})`);
