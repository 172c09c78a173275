// The one toast function. Messages are inserted with textContent, never HTML.
const REGION_ID = "toasts";
const TIMEOUT_MS = 5000;

function region() {
  let element = document.getElementById(REGION_ID);
  if (!element) {
    element = document.createElement("div");
    element.id = REGION_ID;
    element.setAttribute("role", "status");
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
  const element = document.createElement("div");
  element.className = `toast toast-${kind}`;
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  element.append(text, close);
  region().append(element);
  arm(element);
  return element;
}

export function initServerToasts() {
  document.querySelectorAll("[data-server-toast]").forEach(arm);
}
