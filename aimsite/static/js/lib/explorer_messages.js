// What an explorer says instead of its chart (a fresh install, nothing selected, no
// match) and its query errors, shaped like the runs explorer's server-rendered
// templates/runs/_query_error.html. Built with the DOM helper: a query is user text.
//
//   emptyMessage("No metrics selected", "Pick metrics with + Metrics…", { code: query })
//   queryErrorFragment(query, { error, position })    // the server's 400 body
//   reportLoadError(error, query, { shell, onQueryError, what: "metrics" })
import { el } from "./dom.js";
import { toast } from "./toast.js";

export function emptyMessage(title, text = "", { code = null } = {}) {
  return [
    el("h3", {}, title),
    text ? el("p", {}, text) : null,
    code === null ? null : el("pre", "code-sample", el("code", {}, code)),
  ].filter(Boolean);
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

/** A failed explorer request: a query error (400 with a position) goes under the
 *  search bar, then onQueryError() (the page's "fix the query" state); anything else
 *  is a toast. An aborted request says nothing. */
export function reportLoadError(error, query, { shell, onQueryError, what }) {
  if (error.name === "AbortError") return;
  if (error.status === 400 && error.body?.error) {
    shell.showError(queryErrorFragment(query, error.body));
    onQueryError();
  } else {
    toast(`Could not load ${what}: ${error.body?.error || error.message}`, "error");
  }
}

// An example to start from when nothing has been tracked yet.
export const SDK_EXAMPLE = `from aimsite.sdk import Run

run = Run(experiment="my-experiment")
run["hparams"] = {"lr": 0.001}
for step in range(100):
    run.track(loss, name="loss", step=step, context={"subset": "train"})`;
