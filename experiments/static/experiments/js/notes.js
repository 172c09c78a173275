// Notes tab: Write / Preview toggle. The preview is rendered and sanitised by the
// server with the same function as saved notes, so it is inserted as returned.
// A note too complex to render in time is refused with a message, shown in place.
import { el } from "../../js/lib/dom.js";
import { api } from "../../js/lib/http.js";

const form = document.getElementById("notes-form");
const editor = document.getElementById("notes-editor");
const preview = document.getElementById("notes-preview");
const modeButtons = form.querySelectorAll(".notes-mode");

function setMode(mode) {
  modeButtons.forEach((button) => {
    const isActive = button.dataset.mode === mode;
    button.classList.toggle("active", isActive);
    button.setAttribute("aria-selected", String(isActive));
  });
  editor.hidden = mode !== "write";
  preview.hidden = mode !== "preview";
}

function showPreviewMessage(text, className = "muted") {
  preview.replaceChildren(el("p", className, text));
}

async function showPreview() {
  setMode("preview");
  showPreviewMessage("Rendering…");
  try {
    const data = await api(form.dataset.previewUrl, { method: "POST", body: { notes: editor.value } });
    if (data.html) {
      preview.innerHTML = data.html; // sanitised server-side by nh3 (experiments/markdown.py)
    } else {
      showPreviewMessage("Nothing to preview.");
    }
  } catch (error) {
    showPreviewMessage(error.message, "field-error");
  }
}

modeButtons.forEach((button) => {
  button.addEventListener("click", () => {
    if (button.dataset.mode === "preview") showPreview();
    else setMode("write");
  });
});
