// The one modal pattern: native <dialog class="modal">.
// Server-rendered dialogs hold real forms and open from [data-dialog-open="id"];
// confirmDialog() builds the same markup for JS-driven actions.

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

function element(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

/**
 * Ask for confirmation. Resolves true when confirmed, false on cancel or Escape.
 * { title, message, warning, confirmLabel, danger }
 */
export function confirmDialog({ title, message, warning = "", confirmLabel = "Confirm", danger = false }) {
  return new Promise((resolve) => {
    const confirmButton = element("button", {
      type: "submit",
      className: `btn ${danger ? "btn-danger" : "btn-primary"}`,
      textContent: confirmLabel,
    });
    const cancelButton = element("button", { type: "button", className: "btn", textContent: "Cancel" });
    const body = element("div", { className: "modal-body" }, [
      element("h3", { textContent: title }),
      element("p", { textContent: message }),
    ]);
    if (warning) body.append(element("p", { className: "warning", textContent: warning }));
    const form = element("form", { method: "dialog" }, [
      body,
      element("div", { className: "modal-actions" }, [cancelButton, confirmButton]),
    ]);
    const dialog = element("dialog", { className: "modal" }, [form]);
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
