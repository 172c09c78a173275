// The explorers' select-form picker (`+ Metrics`, `+ Params`): a searchable list of
// options, the picked ones as chips with a remove button. Markup (ids from `id`):
// #<id> holding #<id>-button, #<id>-panel, #<id>-search, #<id>-options, #<id>-empty,
// and the chips in #<chipsId>. What an option is stays the page's: it gives a key
// and how to show one.
//
//   const picker = mountPicker(root, {
//     id: "metric-picker", chipsId: "metric-chips", noun: "metric",
//     keyOf: (item) => text,                         // the identity of an option
//     describe: (item) => ({ name, chip, count, data }),   // name shown bold, a grey chip,
//                                                    // the right-hand count, data-* value
//     picked: (item) => item,                        // what the selection keeps of an option
//     disabledTitle: "In advanced mode …", emptyText: "Nothing tracked …",
//     onChange: (selection) => {},
//   });
//   picker.setOptions(options, message);  picker.setSelection(items);  picker.setDisabled(bool);
import { el } from "./dom.js";

export function mountPicker(root, {
  id, chipsId, noun, keyOf, describe, picked = (item) => item, onChange,
  disabledTitle = "", emptyText = "",
}) {
  const button = root.querySelector(`#${id}-button`);
  const panel = root.querySelector(`#${id}-panel`);
  const search = root.querySelector(`#${id}-search`);
  const list = root.querySelector(`#${id}-options`);
  const empty = root.querySelector(`#${id}-empty`);
  const chips = root.querySelector(`#${chipsId}`);
  let options = [];
  let emptyMessage = "";
  let selection = [];

  const selectedKeys = () => new Set(selection.map(keyOf));
  const label = (item) => {
    const { name, chip } = describe(item);
    return chip ? `${name} (${chip})` : name;
  };

  function toggle(item) {
    const key = keyOf(item);
    selection = selectedKeys().has(key)
      ? selection.filter((entry) => keyOf(entry) !== key)
      : [...selection, picked(item)];
    render();
    onChange(selection);
  }

  function renderOptions() {
    const needle = search.value.trim().toLowerCase();
    const pickedKeys = selectedKeys();
    const shown = options.filter((item) => label(item).toLowerCase().includes(needle));
    list.replaceChildren(...shown.map((item) => {
      const isPicked = pickedKeys.has(keyOf(item));
      const { name, chip, count, data } = describe(item);
      return el("li", {
        className: "picker-option",
        attrs: { role: "option", "aria-selected": String(isPicked), tabindex: "0" },
        dataset: { [noun]: data ?? name },
        on: {
          click: () => toggle(item),
          keydown: (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(item); } },
        },
      }, [
        el("span", { className: "picker-check", attrs: { "aria-hidden": "true" }, text: isPicked ? "✓" : "" }),
        el("span", "picker-name", name),
        chip ? el("span", "context-chip", chip) : null,
        count ? el("span", "muted small picker-runs", count) : null,
      ]);
    }));
    const message = !options.length ? emptyMessage || emptyText
      : shown.length ? "" : `No ${noun} matches the search.`;
    empty.textContent = message;
    empty.hidden = !message;
  }

  function renderChips() {
    chips.replaceChildren(...selection.map((item) => {
      const { name, chip, data } = describe(item);
      return el("span", { className: "metric-chip", dataset: { [noun]: data ?? name } }, [
        el("strong", {}, name),
        chip ? el("span", "muted", chip) : null,
        el("button", {
          type: "button", className: "metric-chip-remove", text: "×",
          disabled: button.disabled,
          attrs: { "aria-label": `Remove ${label(item)}` },
          on: { click: () => toggle(item) },
        }),
      ]);
    }));
  }

  function render() {
    renderChips();
    if (!panel.hidden) renderOptions();
  }

  function open(isOpen) {
    panel.hidden = !isOpen;
    button.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) {
      search.value = "";
      renderOptions();
      search.focus();
    }
  }

  button.addEventListener("click", () => open(panel.hidden));
  search.addEventListener("input", renderOptions);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !panel.hidden) { open(false); button.focus(); } });
  // composedPath, not contains(): a picked option is re-rendered (detached) by then.
  const pickerElement = root.querySelector(`#${id}`);
  document.addEventListener("click", (event) => { if (!panel.hidden && !event.composedPath().includes(pickerElement)) open(false); });

  return {
    setOptions(next, message = "") {
      options = next;
      emptyMessage = message;
      render();
    },
    setSelection(items) {
      selection = items.slice();
      render();
    },
    setDisabled(disabled) {
      button.disabled = disabled;
      button.title = disabled ? disabledTitle : "";
      if (disabled) open(false);
      renderChips();
    },
  };
}
