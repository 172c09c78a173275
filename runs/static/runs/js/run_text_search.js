// Text search for the Texts tab: three modes, and highlighting built from text nodes.
//   words: every word must appear, any case     case: the exact phrase, case-sensitive
//   regex: a JavaScript regular expression (throws SyntaxError when invalid)
import { el } from "../../js/lib/dom.js";

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A matcher {test(text), pattern: RegExp for highlighting}, or null for an empty query. */
export function makeMatcher(query, mode) {
  if (!query.trim()) return null;
  if (mode === "regex") {
    const pattern = new RegExp(query, "g");
    return { pattern, test: (text) => { pattern.lastIndex = 0; return pattern.test(text); } };
  }
  if (mode === "case") {
    return { pattern: new RegExp(escape(query), "g"), test: (text) => text.includes(query) };
  }
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return {
    pattern: new RegExp(words.map(escape).join("|"), "gi"),
    test: (text) => { const lower = text.toLowerCase(); return words.every((word) => lower.includes(word)); },
  };
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
