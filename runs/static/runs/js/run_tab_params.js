// Params tab: the params tree as a collapsible JSON-like view, with copy as JSON.
import { toast } from "../../js/lib/toast.js";
import { el } from "../../js/lib/dom.js";

function renderScalar(value) {
  if (value === null) return el("span", "json-null", "null");
  if (typeof value === "string") return el("span", "json-string", JSON.stringify(value));
  if (typeof value === "boolean") return el("span", "json-bool", String(value));
  return el("span", "json-number", String(value));
}

function renderNode(key, value) {
  const isBranch = value !== null && typeof value === "object" && Object.keys(value).length > 0;
  if (!isBranch) {
    const row = el("div", "json-leaf");
    if (key !== null) row.append(el("span", "json-key", key), el("span", "json-colon", ": "));
    row.append(Array.isArray(value) ? el("span", "json-empty", "[]")
      : value !== null && typeof value === "object" ? el("span", "json-empty", "{}") : renderScalar(value));
    return row;
  }
  const isArray = Array.isArray(value);
  const details = el("details", "json-branch");
  details.open = true;
  const summary = el("summary");
  if (key !== null) summary.append(el("span", "json-key", key), el("span", "json-colon", ": "));
  const size = Object.keys(value).length;
  summary.append(el("span", "json-brace", isArray ? "[" : "{"), el("span", "json-count muted", ` ${size} ${isArray ? "items" : "keys"} `));
  details.append(summary);
  const body = el("div", "json-children");
  for (const [childKey, child] of Object.entries(value)) body.append(renderNode(childKey, child));
  details.append(body, el("div", "json-brace", isArray ? "]" : "}"));
  return details;
}

export function mount() {
  const source = document.getElementById("run-params");
  if (!source) return {};
  const params = JSON.parse(source.textContent);
  const tree = document.getElementById("params-tree");
  tree.append(renderNode(null, params));
  const setAll = (open) => tree.querySelectorAll("details").forEach((node) => { node.open = open; });
  document.querySelector("[data-params-expand]").addEventListener("click", () => setAll(true));
  document.querySelector("[data-params-collapse]").addEventListener("click", () => {
    setAll(false);
    tree.querySelector("details").open = true;
  });
  document.querySelector("[data-params-copy]").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(JSON.stringify(params, null, 2));
      toast("Params copied as JSON.", "info");
    } catch {
      toast("Could not copy to the clipboard.", "error");
    }
  });
  return {};
}
