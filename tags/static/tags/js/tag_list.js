// Tags page: inline validation of the create/edit forms, the edit modal's
// Reset/Close, the delete modal's typed-name guard, live search over the rows
// and the "Used in" side panel. The forms are real POST forms; this only helps.
import { api } from "../../js/lib/http.js";
import { openDialog } from "../../js/lib/dialog.js";
import { toast } from "../../js/lib/toast.js";
import { el } from "../../js/lib/dom.js";
import { plural } from "../../js/lib/format.js";

const page = document.getElementById("tags-page");
const existingNames = JSON.parse(document.getElementById("tag-names").textContent);
const FIELDS = ["name", "comment", "color"];

// ---- validation ---------------------------------------------------------

function fieldMessage(form, field) {
  const input = form.elements[field];
  if (field === "name") {
    const name = input.value.trim();
    if (!name) return "Give the tag a name.";
    if (name.length > 50) return `The name may be at most 50 characters (it has ${name.length}).`;
    const own = (form.dataset.originalName || "").toLowerCase();
    const clash = existingNames.some((other) => other.toLowerCase() === name.toLowerCase() && other.toLowerCase() !== own);
    if (clash) return `A tag named "${name}" already exists; choose another name.`;
  }
  if (field === "comment" && input.value.length > 200) {
    return `The comment may be at most 200 characters (it has ${input.value.length}).`;
  }
  if (field === "color" && !form.querySelector("input[name=color]:checked")) return "Pick a colour from the palette.";
  return "";
}

function showError(form, field, message) {
  const slot = form.querySelector(`[data-error-for="${field}"]`);
  if (slot) slot.textContent = message;
  const input = form.querySelector(`[name="${field}"]:not([type=radio])`);
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

function validate(form, fields = FIELDS) {
  let firstBad = null;
  for (const field of fields) {
    const message = fieldMessage(form, field);
    showError(form, field, message);
    if (message && !firstBad) firstBad = field;
  }
  if (firstBad) form.querySelector(`[name="${firstBad}"]`)?.focus();
  return !firstBad;
}

function updateCounters(form) {
  form.querySelectorAll("[data-counter]").forEach((input) => {
    const counter = form.querySelector(`[data-counter-for="${input.id}"]`);
    if (counter) counter.textContent = `${input.value.length}/${input.dataset.counter}`;
  });
}

function wireForm(form) {
  form.addEventListener("input", (event) => {
    updateCounters(form);
    const field = event.target.name;
    // Re-check a field as it is typed once it has shown a message, or always for names.
    if (field === "name" || form.querySelector(`[data-error-for="${field}"]`)?.textContent) {
      showError(form, field, fieldMessage(form, field));
    }
  });
  form.addEventListener("submit", (event) => {
    if (!validate(form)) event.preventDefault();
  });
  updateCounters(form);
}

// ---- edit modal -----------------------------------------------------------

const editDialog = document.getElementById("tag-edit-modal");
const editForm = editDialog.querySelector("form");

function fillEditForm(values) {
  editForm.elements.name.value = values.name;
  editForm.elements.comment.value = values.comment;
  editForm.querySelectorAll("input[name=color]").forEach((radio) => {
    radio.checked = radio.value === values.color;
  });
  FIELDS.forEach((field) => showError(editForm, field, ""));
  updateCounters(editForm);
}

function openEdit(row) {
  const initial = { name: row.dataset.name, comment: row.dataset.comment, color: row.dataset.color };
  editForm.action = row.dataset.editUrl;
  editForm.dataset.originalName = initial.name;
  editForm.initialValues = initial;
  fillEditForm(initial);
  openDialog(editDialog);
}

editDialog.querySelector("[data-edit-reset]").addEventListener("click", () => {
  if (editForm.initialValues) fillEditForm(editForm.initialValues);
  editForm.elements.name.focus();
});

const serverInitial = document.getElementById("tag-edit-initial");
if (serverInitial) {
  // The server refused an edit: keep the submitted values shown, but Reset goes
  // back to what is stored.
  editForm.initialValues = JSON.parse(serverInitial.textContent);
  editForm.dataset.originalName = editForm.initialValues.name;
}

// ---- delete modal ---------------------------------------------------------

const deleteDialog = document.getElementById("tag-delete-modal");
const deleteForm = deleteDialog.querySelector("form");
const deleteInput = deleteForm.elements.confirm_name;
const deleteButton = deleteForm.querySelector("[data-delete-submit]");

function openDelete(row) {
  deleteForm.action = row.dataset.deleteUrl;
  deleteForm.dataset.name = row.dataset.name;
  deleteDialog.querySelector("[data-delete-name]").textContent = row.dataset.name;
  deleteInput.value = "";
  deleteButton.disabled = true;
  openDialog(deleteDialog);
}

deleteInput.addEventListener("input", () => {
  deleteButton.disabled = deleteInput.value !== deleteForm.dataset.name;
});
deleteForm.addEventListener("submit", (event) => {
  if (deleteInput.value !== deleteForm.dataset.name) event.preventDefault();
});

// ---- "Used in" side panel ---------------------------------------------------

const panel = document.getElementById("tag-runs-panel");

function runLink(run) {
  const href = page.dataset.runUrl.replace("RUNHASH", encodeURIComponent(run.hash));
  return el("li", {}, el("a", { className: "tag-run", href }, [
    el("span", "tag-run-name", run.name),
    el("span", "mono small muted", run.hash),
    el("span", "small muted", run.is_archived ? `${run.experiment} · archived` : run.experiment),
  ]));
}

async function openUsedIn(row) {
  const list = panel.querySelector("[data-panel-runs]");
  const empty = panel.querySelector("[data-panel-empty]");
  const count = panel.querySelector("[data-panel-count]");
  panel.querySelector("[data-panel-tag]").textContent = row.dataset.name;
  list.replaceChildren();
  empty.hidden = true;
  count.textContent = "Loading…";
  panel.showModal();
  try {
    const body = await api(`${page.dataset.runsApi}${row.dataset.tagId}/runs/`);
    list.replaceChildren(...body.runs.map(runLink));
    empty.hidden = body.runs.length > 0;
    const shown = body.runs.length < body.count ? ` (newest ${body.runs.length} shown)` : "";
    count.textContent = `${plural(body.count, "run")}${shown}`;
  } catch (error) {
    count.textContent = "";
    toast(error.message, "error");
  }
}

// A click on the backdrop (outside the panel's box) closes it.
panel.addEventListener("click", (event) => {
  if (event.target === panel) {
    const box = panel.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) panel.close();
  }
});

// ---- search: filter the rendered rows as you type --------------------------

const search = document.getElementById("tag-search");
const rows = [...document.querySelectorAll("#tags-table tbody tr")];
search.addEventListener("input", () => {
  const needle = search.value.trim().toLowerCase();
  let visible = 0;
  rows.forEach((row) => {
    const match = !needle || `${row.dataset.name} ${row.dataset.comment}`.toLowerCase().includes(needle);
    row.hidden = !match;
    if (match) visible += 1;
  });
  const none = document.getElementById("tags-no-match");
  if (none) none.hidden = visible > 0;
});

// ---- wiring ------------------------------------------------------------------

document.querySelectorAll("form[data-tag-form]").forEach(wireForm);

document.getElementById("tags-table")?.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-tag-id]");
  if (!row) return;
  if (event.target.closest("[data-tag-edit]")) openEdit(row);
  else if (event.target.closest("[data-tag-delete]")) openDelete(row);
  else if (event.target.closest("[data-used-in]")) openUsedIn(row);
});

if (page.dataset.openDialog) {
  openDialog(document.getElementById(page.dataset.openDialog));
  if (new URLSearchParams(location.search).get("create") === "1") {
    // Drop ?create=1 so a reload does not reopen the modal.
    const url = new URL(location.href);
    url.searchParams.delete("create");
    history.replaceState(null, "", url);
  }
}

// Cancel on the create modal forgets what was typed.
const createDialog = document.getElementById("tag-create-modal");
createDialog.addEventListener("close", () => {
  const form = createDialog.querySelector("form");
  form.reset();
  FIELDS.forEach((field) => showError(form, field, ""));
  updateCounters(form);
});
