// What the Metrics explorer says instead of charts (a fresh install, nothing selected,
// no match, advanced mode with no query) and its query errors, shaped like the runs
// explorer's server-rendered templates/runs/_query_error.html. Built with the DOM
// helper: a query is user text.
import { el } from "../../js/lib/dom.js";

const SDK_EXAMPLE = `from aimsite.sdk import Run

run = Run(experiment="my-experiment")
run["hparams"] = {"lr": 0.001}
for step in range(100):
    run.track(loss, name="loss", step=step, context={"subset": "train"})`;

const STATES = {
  fresh: () => [
    el("h3", {}, "No metrics tracked yet"),
    el("p", {}, "Log one from a training script with the SDK, then pick it here with + Metrics:"),
    el("pre", "code-sample", el("code", {}, SDK_EXAMPLE)),
  ],
  nothing: () => [
    el("h3", {}, "No metrics selected"),
    el("p", {}, "Pick metrics with + Metrics, or switch on Advanced and type a query such as metric.name == \"loss\"."),
  ],
  advanced: () => [
    el("h3", {}, "Type a query"),
    el("p", {}, "In advanced mode the query selects the metrics, e.g. metric.name == \"loss\" and run.hparams.lr < 0.01."),
  ],
  nomatch: (query) => [
    el("h3", {}, "No metrics match"),
    el("p", {}, "No tracked series matches the query:"),
    el("pre", "code-sample", el("code", {}, query)),
  ],
  error: () => [el("h3", {}, "Fix the query to see charts")],
};

export function emptyState(kind, extra) {
  return STATES[kind](extra);
}

/** The query with a caret under the column the server's error points at. */
export function queryErrorFragment(query, { error, position }) {
  const expression = query.replace(/[\n\t]/g, " ");
  const column = Math.max(0, Math.min(Number(position) || 0, expression.length));
  return el("div", { className: "query-error", attrs: { role: "alert" }, dataset: { queryError: "", position: column } }, [
    el("strong", {}, "Query error:"),
    ` ${error}`,
    el("pre", "query-error-caret", `${expression}\n${" ".repeat(column)}^`),
  ]);
}
