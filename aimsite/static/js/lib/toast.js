// The one toast function. Messages are inserted as text, never HTML.
import { el } from "./dom.js";

const REGION_ID = "toasts";
const TIMEOUT_MS = 5000;

function region() {
  let element = document.getElementById(REGION_ID);
  if (!element) {
    element = el("div", { id: REGION_ID, attrs: { role: "status" } });
    document.body.append(element);
  }
  return element;
}

function arm(element) {
  const dismiss = () => element.remove();
  element.querySelector("button")?.addEventListener("click", dismiss);
  setTimeout(dismiss, TIMEOUT_MS);
}

/** Show a toast. kind: "success" | "error" | "info". */
export function toast(message, kind = "success") {
  const element = el("div", `toast toast-${kind}`, [
    el("span", {}, message),
    el("button", { type: "button", text: "×", attrs: { "aria-label": "Dismiss" } }),
  ]);
  region().append(element);
  arm(element);
  return element;
}

export function initServerToasts() {
  document.querySelectorAll("[data-server-toast]").forEach(arm);
}
