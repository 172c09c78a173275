// Text search shared by the run page's Texts tab and the Texts explorer, as an
// editor's search: the query is a literal phrase, or a regular expression with
// "Regex"; "Whole words" keeps only matches with no letter, digit or underscore
// right before or after them (so `clas` does not find `class`); "Match case" makes
// it case-sensitive. The three combine. Markup: templates/runs/_text_search.html.
//
//   const matcher = makeMatcher("loss", { regex: false, words: true, matchCase: false });
//   matcher?.test(text);  highlight(text, matcher) -> nodes with <mark>s
//   mountTextSearch(root, (matcher) => {}) -> { matcher(), options() }   // null matcher: no query
import { el } from "../../js/lib/dom.js";

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// A word character in any script: a match must not start or end next to one.
const WORD_BEFORE = "(?<![\\p{L}\\p{N}_])";
const WORD_AFTER = "(?![\\p{L}\\p{N}_])";

/** A matcher {test(text), pattern: a global RegExp for highlighting}, or null for an
 *  empty query. Throws SyntaxError for an invalid regular expression. */
export function makeMatcher(query, { regex = false, words = false, matchCase = false } = {}) {
  if (!query.trim()) return null;
  let source = regex ? query : escape(query);
  if (regex) new RegExp(source, "u"); // say what is wrong with the user's own pattern
  if (words) source = `${WORD_BEFORE}(?:${source})${WORD_AFTER}`;
  const pattern = new RegExp(source, `gu${matchCase ? "" : "i"}`);
  return {
    pattern,
    test(text) {
      pattern.lastIndex = 0;
      return pattern.test(text);
    },
  };
}

/** A matcher that finds each word of `query` anywhere, in any case: what the
 *  Terminal Logs tab highlights for the server's "every word, any case" search. */
export function anyWordMatcher(query) {
  const words = query.trim().split(/\s+/).filter(Boolean);
  return words.length ? makeMatcher(words.map(escape).join("|"), { regex: true }) : null;
}

/** Text split into text nodes and <mark> elements for the matches. */
export function highlight(text, matcher) {
  if (!matcher) return [document.createTextNode(text)];
  const nodes = [];
  const pattern = matcher.pattern;
  pattern.lastIndex = 0;
  let last = 0;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    if (match[0] === "") { pattern.lastIndex += 1; continue; }
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(el("mark", {}, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** Wire the search box and its three toggles; `onChange(matcher)` after each change
 *  (null: nothing to search, or the regular expression is invalid, which the status
 *  line then says). */
export function mountTextSearch(root, onChange) {
  const input = root.querySelector("[data-text-search]");
  const status = root.querySelector("[data-text-search-status]");
  const toggles = {
    regex: root.querySelector("[data-text-search-option=regex]"),
    words: root.querySelector("[data-text-search-option=words]"),
    matchCase: root.querySelector("[data-text-search-option=case]"),
  };
  let current = null;
  const options = () => Object.fromEntries(Object.entries(toggles).map(([key, box]) => [key, box.checked]));

  function update() {
    status.textContent = "";
    try {
      current = makeMatcher(input.value, options());
    } catch (error) {
      current = null;
      // V8's message repeats the prefix and the pattern: keep only what is wrong.
      const reason = error.message.replace(/^Invalid regular expression:\s*(\/.*\/[a-z]*:\s*)?/, "");
      status.textContent = `Invalid regular expression: ${reason}`;
    }
    onChange(current);
  }

  input.addEventListener("input", update);
  Object.values(toggles).forEach((box) => box.addEventListener("change", update));
  return {
    matcher: () => current,
    options,
    get query() { return input.value; },
    set(query, { regex = false, words = false, matchCase = false } = {}) {
      input.value = query;
      Object.assign(toggles.regex, { checked: regex });
      Object.assign(toggles.words, { checked: words });
      Object.assign(toggles.matchCase, { checked: matchCase });
      update();
    },
  };
}
