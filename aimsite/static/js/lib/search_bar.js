// The explorers' AimQL search bar (templates/runs/explorers/_search_bar.html):
// completions for the expression under the caret, recent queries when the box is
// empty, keyboard choice (arrows, Enter or Tab, Escape). Used through
// explorer_shell.js, which decides what a submit does.
//
//   const bar = mountSearchBar(form, {
//     suggestionsUrl: "/api/v1/runs/suggestions",  // GET -> {fields: [...], params: [...], metrics: [...]}
//     recentKey: "runs.recentQueries",             // localStorage key of this explorer's recent queries
//     subjects: ["run"],                           // what a completable expression starts with
//     onSubmit: (query, event) => {},              // after the query is remembered as recent
//   });
//   bar.query;  bar.setQuery(text);

import { api } from "./http.js";
import { el } from "./dom.js";
import { readStored, writeStored } from "./storage.js";

const MAX_RECENT = 8;
const MAX_PER_KIND = 8;
// The answer's groups, in the order they are offered, with the label each option shows.
const KINDS = { fields: "field", params: "param", metrics: "metric" };

function option(text, kind, onPick) {
  return el("li", {
    attrs: { role: "option" },
    // mousedown, not click: the input's blur would hide the list before a click lands.
    on: { mousedown: (event) => { event.preventDefault(); onPick(); } },
  }, [el("span", "kind", kind), el("span", {}, text)]);
}

export function mountSearchBar(form, { suggestionsUrl, recentKey, subjects = ["run"], onSubmit = () => {} }) {
  const input = form.querySelector("[data-search-input]");
  const list = form.querySelector("[data-search-suggestions]");
  // An expression being typed: a subject, then dotted names or [subscripts], up to the caret.
  const tokenPattern = new RegExp(`(?:${subjects.join("|")})(?:[.\\w]|\\[[^\\]]*\\]?)*$`);
  let suggestions = null;
  let active = -1;
  let shown = 0;

  async function loadSuggestions() {
    if (!suggestions) {
      try { suggestions = await api(suggestionsUrl); } catch { suggestions = {}; }
    }
    return suggestions;
  }

  function currentToken() {
    const upTo = input.value.slice(0, input.selectionStart ?? input.value.length);
    const match = upTo.match(tokenPattern);
    return match ? { text: match[0], start: upTo.length - match[0].length } : null;
  }

  function completion(token) {
    return (text) => () => {
      const current = currentToken() || token;
      const before = input.value.slice(0, current.start);
      const after = input.value.slice(current.start + current.text.length);
      input.value = before + text + after;
      input.setSelectionRange(before.length + text.length, before.length + text.length);
      hide();
      input.focus();
    };
  }

  async function show() {
    const items = [];
    const token = currentToken();
    const call = ++shown;
    if (token) {
      const all = await loadSuggestions();
      if (call !== shown) return; // a later keystroke owns the list
      const needle = token.text.toLowerCase();
      const pick = completion(token);
      for (const [group, kind] of Object.entries(KINDS)) {
        (all[group] || []).filter((value) => value.toLowerCase().startsWith(needle) && value !== token.text)
          .slice(0, MAX_PER_KIND).forEach((value) => items.push(option(value, kind, pick(value))));
      }
    } else if (!input.value.trim()) {
      const recent = readStored(recentKey, []);
      if (recent.length) items.push(el("li", "heading", "Recent queries"));
      recent.forEach((query) => items.push(option(query, "recent", () => { input.value = query; form.requestSubmit(); })));
    }
    list.replaceChildren(...items);
    list.hidden = items.length === 0;
    active = -1;
  }

  function hide() {
    list.hidden = true;
    active = -1;
  }

  function moveActive(step) {
    const options = [...list.querySelectorAll("li[role=option]")];
    if (!options.length) return;
    active = (active + step + options.length) % options.length;
    options.forEach((item, index) => item.setAttribute("aria-selected", String(index === active)));
  }

  function remember(query) {
    if (query) writeStored(recentKey, [query, ...readStored(recentKey, []).filter((item) => item !== query)].slice(0, MAX_RECENT));
  }

  input.addEventListener("input", show);
  input.addEventListener("focus", show);
  input.addEventListener("blur", () => setTimeout(hide, 100));
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveActive(event.key === "ArrowDown" ? 1 : -1);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      list.querySelectorAll("li[role=option]")[active].dispatchEvent(new MouseEvent("mousedown"));
    } else if (event.key === "Escape") {
      hide();
    }
  });
  form.addEventListener("submit", (event) => {
    const query = input.value.trim();
    remember(query);
    onSubmit(query, event);
  });

  return {
    get query() { return input.value.trim(); },
    setQuery(text) { input.value = text; },
  };
}
