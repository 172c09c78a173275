// The Home page: the user's recent searches, read from where each explorer's search
// bar keeps them in this browser (lib/search_bar.js: `<explorer>.recentQueries`),
// each a link that runs the query again in its explorer; and the counts and the
// activity kept current over the runs socket (at most one refresh every few
// seconds, of the server-rendered sections).

import { el, parseHtml } from "./lib/dom.js";
import { connectLive } from "./lib/live.js";
import { readStored } from "./lib/storage.js";

const REFRESH_MS = 3000;
const LIVE_SECTIONS = ["home-counts", "activity"];
const QUIET_EVENTS = new Set(["run.logs", "run.tags"]);

const PER_EXPLORER = 5;

function recentSearches(explorers) {
  return explorers.flatMap((explorer) =>
    readStored(`${explorer.name}.recentQueries`, [])
      .filter((query) => typeof query === "string" && query)
      .slice(0, PER_EXPLORER)
      .map((query) => ({ explorer, query })),
  );
}

function renderSearch({ explorer, query }) {
  const href = `${explorer.url}?${new URLSearchParams({ q: query })}`;
  return el("li", { dataset: { recentSearch: explorer.name } }, [
    el("span", "badge", explorer.label),
    " ",
    el("a", { href, className: "home-query", text: query, attrs: { title: `Run again in the ${explorer.label} explorer` } }),
  ]);
}

const explorers = JSON.parse(document.getElementById("home-explorers").textContent);
const searches = recentSearches(explorers);
if (searches.length) {
  const list = document.getElementById("recent-list");
  list.replaceChildren(...searches.map(renderSearch));
  list.hidden = false;
  document.querySelector('[data-empty="searches"]').hidden = true;
}

let refreshTimer = null;

async function refreshSections() {
  refreshTimer = null;
  const response = await fetch(location.pathname, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = parseHtml(await response.text());
  for (const id of LIVE_SECTIONS) {
    const current = document.getElementById(id);
    const next = fresh.getElementById(id);
    if (current && next) current.replaceWith(next);
  }
}

connectLive("/ws/runs/", {
  onStatus: (status) => { document.body.dataset.live = status; },
  onEvent: (event) => {
    if (QUIET_EVENTS.has(event.type) || refreshTimer) return;
    refreshTimer = setTimeout(refreshSections, REFRESH_MS);
  },
});
