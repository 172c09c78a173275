// The explorers' grouping menus (markup: `<details class="control-menu"
// data-grouping="color|stroke|chart|row|column">` holding a `[data-grouping-panel]`): a
// searchable list of the fields to group by, with "reverse", for each grouping the
// page has. They show the view state and report changes as state patches.
//
//   const menus = mountGroupingMenus(root, { onChange: (patch) => {}, labelOf: (field) => text });
//   menus.render(state, fields);   // fields: the ids the loaded data can be grouped by
import { el } from "./dom.js";
import { formatFields, parseFields } from "./explorer_grouping.js";

const GROUPING_TITLES = {
  color: "Group by color", stroke: "Group by stroke style", chart: "Divide into charts",
  row: "Group into rows", column: "Group into columns",
};

const titleCase = (kind) => kind[0].toUpperCase() + kind.slice(1);

export function mountGroupingMenus(root, { onChange, labelOf = (field) => field }) {
  const menus = [...root.querySelectorAll("[data-grouping]")];
  const filters = {}; // grouping kind -> the panel's search text, kept across renders

  function fieldList(kind, fields, chosen, filterText) {
    const needle = filterText.toLowerCase();
    return fields.filter((field) => chosen.includes(field) || `${field} ${labelOf(field)}`.toLowerCase().includes(needle)).map((field) => {
      const box = el("input", { type: "checkbox", checked: chosen.includes(field), value: field });
      box.addEventListener("change", () => {
        const next = box.checked ? [...chosen, field] : chosen.filter((item) => item !== field);
        onChange({ [kind]: formatFields(next) });
      });
      return el("label", { className: "control-row field-option", attrs: { title: field } }, [box, el("span", "mono", labelOf(field))]);
    });
  }

  function renderMenu(details, state, fields) {
    const kind = details.dataset.grouping;
    const panel = details.querySelector("[data-grouping-panel]");
    const chosen = parseFields(state[kind]);
    const isReversed = state[`${kind}_rev`] === "1";
    details.querySelector("summary").textContent = chosen.length ? `${titleCase(kind)}: ${isReversed ? "all but " : ""}${chosen.length}` : titleCase(kind);
    details.classList.toggle("is-active", chosen.length > 0);
    const search = el("input", {
      type: "search", className: "picker-search", placeholder: "Search fields", value: filters[kind] || "",
      attrs: { "aria-label": `Search fields to ${GROUPING_TITLES[kind].toLowerCase()}` },
    });
    const list = el("div", "field-list", fieldList(kind, fields, chosen, filters[kind] || ""));
    search.addEventListener("input", () => {
      filters[kind] = search.value;
      list.replaceChildren(...fieldList(kind, fields, chosen, search.value));
    });
    const reverse = el("input", { type: "checkbox", checked: isReversed });
    reverse.addEventListener("change", () => onChange({ [`${kind}_rev`]: reverse.checked ? "1" : "0" }));
    const focused = panel.contains(document.activeElement) && document.activeElement.type === "search";
    panel.replaceChildren(
      el("div", "control-title", GROUPING_TITLES[kind]),
      search,
      list,
      el("label", "control-row reverse-row", [reverse, "Reverse: group by every other field"]),
      chosen.length ? el("button", { type: "button", className: "btn-link small", text: "Clear", on: { click: () => onChange({ [kind]: "", [`${kind}_rev`]: "0" }) } }) : null,
    );
    if (focused) search.focus();
  }

  return {
    render(state, fields) {
      menus.forEach((details) => renderMenu(details, state, fields));
    },
  };
}
