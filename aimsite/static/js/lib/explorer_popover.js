// The explorers' pinned popover (Aim's "sequence unit" popover): a click on a point,
// a line or a row opens it. It shows a title, facts (value, step, params…), links to
// the run and its experiment, and the run's tags with attach and detach through the
// shared tag picker (tag_picker.js), which live `run.tags` events keep current.
//
//   const popover = mountExplorerPopover({ onTagsChange: (hash, tags) => {} });
//   popover.open({ title, subtitle, facts: [[label, text], …],
//                  run: { hash, name, experiment, experiment_id, tags, can_edit } | null,
//                  note: "4 runs in this group" }, { clientX, clientY });
//   popover.applyTagsEvent(event);   popover.close();
import { el } from "./dom.js";
import { applyTagsEvent, mountTagPicker } from "./tag_picker.js";
import { runLabel } from "./format.js";

function factNodes([label, value]) {
  return [el("dt", {}, label), el("dd", "mono", value)];
}

// What a click may land on without closing an open popover: a chart (a click on
// another point re-opens it) or the tag picker's own popover.
const KEEPS_OPEN = ".series-plot, .explorer-plot, .tag-picker-popover, [data-opens-popover]";

export function mountExplorerPopover({ onTagsChange = () => {} } = {}) {
  const box = el("div", { className: "point-popover card", hidden: true, attrs: { role: "dialog", "aria-label": "Point details" } });
  document.body.append(box);
  let tagSlot = null;

  function close() {
    if (box.hidden) return;
    box.hidden = true;
    box.replaceChildren();
    tagSlot = null;
  }

  function runSection(run) {
    tagSlot = el("div", "popover-tags");
    const title = el("div", "popover-section-title");
    mountTagPicker(tagSlot, {
      runHash: run.hash, tags: run.tags || [], canEdit: Boolean(run.can_edit), emptyText: "No attached tags",
      onChange: (tags) => {
        title.textContent = `Tags (${tags.length})`;
        onTagsChange(run.hash, tags);
      },
    });
    return [
      el("div", "popover-links", [
        el("a", { href: `/runs/${run.hash}/`, text: run.name ? `Run: ${run.name}` : runLabel(run) }),
        run.experiment_id ? el("a", { href: `/experiments/${run.experiment_id}/`, text: `Experiment: ${run.experiment}` })
          : run.experiment ? el("span", "muted", `Experiment: ${run.experiment}`) : null,
      ]),
      title,
      tagSlot,
    ];
  }

  function open({ title, subtitle = "", facts = [], run = null, note = "" }, event) {
    box.replaceChildren(
      el("header", "popover-header", [
        el("strong", {}, title),
        subtitle ? el("span", "context-chip", subtitle) : null,
        el("button", { type: "button", className: "popover-close", text: "×", attrs: { "aria-label": "Close" }, on: { click: close } }),
      ]),
      facts.length ? el("dl", "popover-facts", facts.flatMap(factNodes)) : null,
      ...(run ? runSection(run) : [el("p", "muted small", note)]),
    );
    box.hidden = false;
    const left = Math.max(8, Math.min(event.clientX + 12, window.innerWidth - box.offsetWidth - 8));
    const top = Math.max(8, Math.min(event.clientY + 12, window.innerHeight - box.offsetHeight - 8));
    box.style.left = `${left}px`;
    box.style.top = `${top}px`;
    box.dataset.runHash = run?.hash ?? "";
  }

  document.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  document.addEventListener("pointerdown", (event) => {
    if (!box.hidden && !box.contains(event.target) && !event.target.closest?.(KEEPS_OPEN)) close();
  });

  return {
    open,
    close,
    applyTagsEvent(event) {
      if (tagSlot) applyTagsEvent(tagSlot, event);
    },
  };
}
