// The point popover of the Metrics explorer: a click on a point pins it. It shows the
// value, step, epoch and time, links to the run and its experiment, the params chosen
// for the tooltip, and the run's tags with attach and detach through the shared tag
// picker (lib/tag_picker.js), which live `run.tags` events keep current.
//
//   const popover = mountPointPopover({ onTagsChange: (hash, tags) => {} });
//   popover.open(item, index, mouseEvent, { valueOf, tooltipParams, alignment, xTitle });
//   popover.applyTagsEvent(event);   popover.close();
import { el } from "../../js/lib/dom.js";
import { applyTagsEvent, mountTagPicker } from "../../js/lib/tag_picker.js";
import { formatNumber } from "../../js/lib/format.js";
import { formatValue } from "./metrics_grouping.js";
import { contextLabel } from "./metrics_picker.js";
import { formatX } from "./metrics_charts.js";

function fact(label, value) {
  return [el("dt", {}, label), el("dd", "mono", value)];
}

export function mountPointPopover({ onTagsChange = () => {} } = {}) {
  const box = el("div", { className: "point-popover card", hidden: true, attrs: { role: "dialog", "aria-label": "Point details" } });
  document.body.append(box);
  let tagSlot = null;

  function close() {
    if (box.hidden) return;
    box.hidden = true;
    box.replaceChildren();
    tagSlot = null;
  }

  function seriesFacts(item, index, view) {
    const time = item.times[index];
    return [
      ...fact("Value", formatNumber(item.y[index])),
      ...fact("Step", formatNumber(item.steps[index])),
      ...fact("Epoch", formatNumber(item.epochs[index])),
      ...fact("Time", time == null ? "—" : new Date(time * 1000).toLocaleString()),
      ...(["step", "epoch"].includes(view.alignment) ? [] : fact(view.xTitle, formatX(item.x[index], view.alignment))),
    ];
  }

  function groupFacts(item, index, view) {
    return [
      ...fact("Value", formatNumber(item.y[index])),
      ...fact("Lower", formatNumber(item.lower?.[index])),
      ...fact("Upper", formatNumber(item.upper?.[index])),
      ...fact(view.xTitle, formatX(item.x[index], view.alignment)),
      ...fact("Series", String(item.group.series)),
    ];
  }

  function runSection(item) {
    const run = item.run || {};
    tagSlot = el("div", "popover-tags");
    const title = el("div", "popover-section-title");
    mountTagPicker(tagSlot, {
      runHash: item.runHash, tags: run.tags || [], canEdit: Boolean(run.can_edit), emptyText: "No attached tags",
      onChange: (tags) => {
        title.textContent = `Tags (${tags.length})`;
        onTagsChange(item.runHash, tags);
      },
    });
    return [
      el("div", "popover-links", [
        el("a", { href: `/runs/${item.runHash}/`, text: `Run: ${run.name || item.runHash}` }),
        run.experiment_id ? el("a", { href: `/experiments/${run.experiment_id}/`, text: `Experiment: ${run.experiment}` }) : null,
      ]),
      title,
      tagSlot,
    ];
  }

  function open(item, index, event, view) {
    const valueOf = view.valueOf(item);
    const params = view.tooltipParams.map((field) => fact(field, formatValue(valueOf(field)))).flat();
    box.replaceChildren(
      el("header", "popover-header", [
        el("strong", {}, item.name ?? item.label),
        el("span", "context-chip", item.kind === "series" ? contextLabel(item.context) : item.label),
        el("button", { type: "button", className: "popover-close", text: "×", attrs: { "aria-label": "Close" }, on: { click: close } }),
      ]),
      el("dl", "popover-facts", [...(item.kind === "series" ? seriesFacts(item, index, view) : groupFacts(item, index, view)), ...params]),
      ...(item.kind === "series" ? runSection(item) : [el("p", "muted small", `${item.runs.length} runs in this group`)]),
    );
    box.hidden = false;
    const left = Math.max(8, Math.min(event.clientX + 12, window.innerWidth - box.offsetWidth - 8));
    const top = Math.max(8, Math.min(event.clientY + 12, window.innerHeight - box.offsetHeight - 8));
    box.style.left = `${left}px`;
    box.style.top = `${top}px`;
    box.dataset.runHash = item.runHash ?? "";
  }

  document.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  document.addEventListener("pointerdown", (event) => {
    // A click on another point re-opens it; anywhere else (outside) closes it.
    if (!box.hidden && !box.contains(event.target) && !event.target.closest?.(".series-plot, .tag-picker-popover")) close();
  });

  return {
    open,
    close,
    applyTagsEvent(event) {
      if (tagSlot) applyTagsEvent(tagSlot, event);
    },
  };
}
