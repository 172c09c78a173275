// The Metrics explorer's point popover: the value, step, epoch and time of the
// clicked point (or a group's line and band), the params chosen for the tooltip, and
// the run with its tags, in the explorers' shared popover (lib/explorer_popover.js).
//
//   const popover = mountPointPopover({ onTagsChange: (hash, tags) => {} });
//   popover.open(item, index, mouseEvent, { valueOf, tooltipParams, alignment, xTitle });
//   popover.applyTagsEvent(event);   popover.close();
import { mountExplorerPopover } from "../../js/lib/explorer_popover.js";
import { formatNumber } from "../../js/lib/format.js";
import { formatValue } from "../../js/lib/explorer_grouping.js";
import { contextLabel } from "./metrics_picker.js";
import { formatX } from "./metrics_charts.js";

function seriesFacts(item, index, view) {
  const time = item.times[index];
  return [
    ["Value", formatNumber(item.y[index])],
    ["Step", formatNumber(item.steps[index])],
    ["Epoch", formatNumber(item.epochs[index])],
    ["Time", time == null ? "—" : new Date(time * 1000).toLocaleString()],
    ...(["step", "epoch"].includes(view.alignment) ? [] : [[view.xTitle, formatX(item.x[index], view.alignment)]]),
  ];
}

function groupFacts(item, index, view) {
  return [
    ["Value", formatNumber(item.y[index])],
    ["Lower", formatNumber(item.lower?.[index])],
    ["Upper", formatNumber(item.upper?.[index])],
    [view.xTitle, formatX(item.x[index], view.alignment)],
    ["Series", String(item.group.series)],
  ];
}

export function mountPointPopover({ onTagsChange = () => {} } = {}) {
  const popover = mountExplorerPopover({ onTagsChange });

  function open(item, index, event, view) {
    const valueOf = view.valueOf(item);
    const isSeries = item.kind === "series";
    popover.open({
      title: item.name ?? item.label,
      subtitle: isSeries ? contextLabel(item.context) : item.label,
      facts: [
        ...(isSeries ? seriesFacts(item, index, view) : groupFacts(item, index, view)),
        ...view.tooltipParams.map((field) => [field, formatValue(valueOf(field))]),
      ],
      run: isSeries ? { ...item.run, hash: item.runHash } : null,
      note: isSeries ? "" : `${item.runs.length} runs in this group`,
    }, event);
  }

  return { open, close: popover.close, applyTagsEvent: popover.applyTagsEvent };
}
