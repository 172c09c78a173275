// ANSI SGR colour codes to styled spans (built with textContent, never HTML).
// Colours, bold, dim, italic and underline are rendered; every other escape sequence
// (cursor moves, erase line, OSC titles) is dropped; a carriage return keeps only what
// was written after it, as a terminal would show a progress bar.
import { el } from "../../js/lib/dom.js";

const SGR = /\x1b\[([0-9;]*)m/g;
const OTHER_ESCAPES = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-9;?]*[A-Za-ln-z]|\x1b[()][A-Za-z0-9]|\x1b[=>NOMDEHc78]/g;
const BASE16 = ["#2e3440", "#d93a3a", "#18ab6d", "#c99a06", "#1473e6", "#b04fc9", "#0ea5b7", "#c7ccd6",
  "#6b7280", "#ff6b6b", "#3ddc97", "#f5c542", "#5fa8ff", "#e07cf2", "#4fd8e8", "#ffffff"];

function color256(n) {
  if (n < 16) return BASE16[n];
  if (n >= 232) { const v = 8 + (n - 232) * 10; return `rgb(${v},${v},${v})`; }
  const i = n - 16;
  const level = (x) => (x ? 55 + x * 40 : 0);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

function applyCodes(state, codes) {
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i];
    if (code === 0) Object.assign(state, { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });
    else if (code === 1) state.bold = true;
    else if (code === 2) state.dim = true;
    else if (code === 3) state.italic = true;
    else if (code === 4) state.underline = true;
    else if (code === 22) { state.bold = false; state.dim = false; }
    else if (code === 23) state.italic = false;
    else if (code === 24) state.underline = false;
    else if (code >= 30 && code <= 37) state.fg = BASE16[code - 30];
    else if (code >= 90 && code <= 97) state.fg = BASE16[code - 82];
    else if (code >= 40 && code <= 47) state.bg = BASE16[code - 40];
    else if (code >= 100 && code <= 107) state.bg = BASE16[code - 92];
    else if (code === 39) state.fg = null;
    else if (code === 49) state.bg = null;
    else if (code === 38 || code === 48) {
      const key = code === 38 ? "fg" : "bg";
      if (codes[i + 1] === 5) { state[key] = color256(codes[i + 2] ?? 0); i += 2; }
      else if (codes[i + 1] === 2) { state[key] = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`; i += 4; }
    }
  }
}

function span(text, state) {
  if (!state.fg && !state.bg && !state.bold && !state.dim && !state.italic && !state.underline) {
    return document.createTextNode(text);
  }
  const style = {};
  if (state.fg) style.color = state.fg;
  if (state.bg) style["background-color"] = state.bg;
  if (state.bold) style["font-weight"] = "700";
  if (state.dim) style.opacity = "0.7";
  if (state.italic) style["font-style"] = "italic";
  if (state.underline) style["text-decoration"] = "underline";
  return el("span", { style }, text);
}

/** Nodes for one line of terminal output. */
export function ansiNodes(raw) {
  let text = raw.includes("\r") ? raw.split("\r").filter((part) => part !== "").pop() ?? "" : raw;
  text = text.replace(OTHER_ESCAPES, "");
  const state = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };
  const nodes = [];
  let last = 0;
  SGR.lastIndex = 0;
  let match;
  while ((match = SGR.exec(text)) !== null) {
    if (match.index > last) nodes.push(span(text.slice(last, match.index), state));
    applyCodes(state, match[1] === "" ? [0] : match[1].split(";").map(Number));
    last = SGR.lastIndex;
  }
  if (last < text.length) nodes.push(span(text.slice(last).replace(/\x1b/g, ""), state));
  return nodes;
}

/** The same line with every escape sequence removed. */
export function stripAnsi(raw) {
  return raw.replace(SGR, "").replace(OTHER_ESCAPES, "").replace(/\x1b/g, "");
}
