// The media explorer's display controls (the controls card of
// templates/runs/explorers/media.html): Sort by and its order, the images' size and
// rendering, the texts' renderer mode. They show the view state; media_explorer.js
// listens to their changes.
//
//   renderSortControl(current, fields, labelOf)   // fields: the grouping fields
//   renderDisplayControls(current, gridElement)
//   textModeOf(current)                            // one of TEXT_MODES, "text" if unknown
import { el } from "../../js/lib/dom.js";
import { TEXT_MODES } from "./media_items.js";

const $ = (selector) => document.querySelector(selector);

export const textModeOf = (current) => (TEXT_MODES.includes(current.text_mode) ? current.text_mode : "text");

/** Sort by any grouping field; a run sorts by its name. */
export function renderSortControl(current, groupingFields, labelOf) {
  const select = $("#media-sort");
  const label = (field) => (field === "run.name" ? "run" : labelOf(field));
  const fields = groupingFields.map((field) => (field === "run.hash" ? "run.name" : field));
  if (current.sort && !fields.includes(current.sort)) fields.push(current.sort);
  const wanted = ["", ...fields].join("\n");
  if (select.dataset.fields !== wanted) {
    select.replaceChildren(el("option", { value: "", text: "as tracked" }), ...fields.map((field) => el("option", { value: field, text: label(field), title: label(field) })));
    select.dataset.fields = wanted;
  }
  select.value = current.sort;
  // A long param name is cut with an ellipsis (media.css); the title says it whole.
  select.title = select.selectedOptions[0]?.textContent ?? "";
  $("#media-sort-order").value = current.sort_order === "desc" ? "desc" : "asc";
  $("#media-sort-order").disabled = !current.sort;
}

/** The images' size and rendering (CSS on the grid) and the texts' renderer mode. */
export function renderDisplayControls(current, gridElement) {
  const imageFit = $("#image-fit");
  if (imageFit) {
    imageFit.value = current.fit;
    $("#image-size").value = current.size;
    $("#image-size-value").textContent = `${current.size}px`;
    $("#image-size-row").hidden = current.fit === "original";
    $("#image-rendering").value = current.render;
    gridElement.style.setProperty("--media-size", `${Number(current.size) || 128}px`);
    gridElement.classList.toggle("is-original", current.fit === "original");
    gridElement.classList.toggle("is-pixelated", current.render === "pixelated");
  }
  const textMode = $("#text-mode");
  if (textMode) textMode.value = textModeOf(current);
}
