// The one modal pattern: native <dialog class="modal">.
// Server-rendered dialogs hold real forms and open from [data-dialog-open="id"];
// confirmDialog() builds the same markup for JS-driven actions.
import { el } from "./dom.js";

export function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
  dialog.querySelector("[autofocus], input:not([type=hidden]), button[type=submit]")?.focus();
}

export function initDialogTriggers(root) {
  root.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.dialogOpen);
      if (dialog) {
        event.preventDefault();
        openDialog(dialog);
      }
      return;
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) closer.closest("dialog")?.close("cancel");
  });
}

/**
 * Ask for confirmation. Resolves true when confirmed, false on cancel or Escape.
 * { title, message, warning, confirmLabel, danger }
 */
export function confirmDialog({ title, message, warning = "", confirmLabel = "Confirm", danger = false }) {
  return new Promise((resolve) => {
    const confirmButton = el("button", {
      type: "submit",
      className: `btn ${danger ? "btn-danger" : "btn-primary"}`,
      text: confirmLabel,
    });
    const cancelButton = el("button", { type: "button", className: "btn", text: "Cancel" });
    const body = el("div", "modal-body", [
      el("h3", {}, title),
      el("p", {}, message),
      warning ? el("p", "warning", warning) : null,
    ]);
    const form = el("form", { method: "dialog" }, [
      body,
      el("div", "modal-actions", [cancelButton, confirmButton]),
    ]);
    const dialog = el("dialog", "modal", form);
    document.body.append(dialog);
    let confirmed = false;
    confirmButton.addEventListener("click", () => { confirmed = true; });
    cancelButton.addEventListener("click", () => dialog.close("cancel"));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(confirmed && dialog.returnValue !== "cancel");
    });
    dialog.showModal();
    confirmButton.focus();
  });
}
