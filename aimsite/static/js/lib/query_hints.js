// Hints under an explorer's search bar (the explorer shell mounts this): a query
// reading run.metrics["loss"] with no context, when "loss" was only tracked with
// contexts, selects nothing, as in Aim. The server (GET /api/v1/runs/query-hints)
// says which contexts exist; each becomes a link to the same view with the query
// rewritten to read that context.
//
//   const hints = mountQueryHints(slot, { subjects: ["run", "metric"], queryParam: "q" });
//   hints.update(query)   // after each search; an empty or failing answer clears the slot

import { api } from "./http.js";
import { el } from "./dom.js";

const URL_PATH = "/api/v1/runs/query-hints";

function linkFor(query, queryParam) {
  const url = new URL(location.href);
  url.searchParams.set(queryParam, query);
  return `${url.pathname}${url.search}`;
}

function renderHint(hint, queryParam) {
  const links = hint.contexts.flatMap(({ label, query }, index) => [
    index ? ", " : "",
    el("a", { href: linkFor(query, queryParam), className: "mono", text: label, attrs: { title: query }, dataset: { hintQuery: query } }),
  ]);
  return el("p", { className: "query-hint", attrs: { role: "note" }, dataset: { hintMetric: hint.metric } }, [
    el("code", "mono", `run.metrics[${JSON.stringify(hint.metric)}]`),
    " reads the series tracked with no context, and there is none: ",
    el("strong", null, hint.metric),
    " was tracked with ",
    ...links,
    ". Pick one to search it.",
  ]);
}

export function mountQueryHints(slot, { subjects = ["run"], queryParam = "q" } = {}) {
  let latest = 0;
  async function update(query) {
    const ticket = ++latest;
    if (!query || !query.includes("metrics")) {
      slot.replaceChildren();
      return;
    }
    try {
      const params = new URLSearchParams({ q: query, subjects: subjects.join(",") });
      const { hints } = await api(`${URL_PATH}?${params}`);
      if (ticket !== latest) return; // a newer search answered first
      slot.replaceChildren(...hints.map((hint) => renderHint(hint, queryParam)));
    } catch {
      if (ticket === latest) slot.replaceChildren(); // a hint is a help, never an error
    }
  }
  return { update };
}
