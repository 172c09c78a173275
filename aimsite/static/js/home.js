// The Home page: the user's recent searches, read from where each explorer's search
// bar keeps them in this browser (lib/search_bar.js: `<explorer>.recentQueries`),
// each a link that runs the query again in its explorer.

import { el } from "./lib/dom.js";
import { readStored } from "./lib/storage.js";

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
