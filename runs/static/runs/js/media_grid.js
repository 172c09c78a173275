// The media explorer's grid: objects laid out in rows and columns by any grouping
// field (run, step, index, name, context, a param), each cell holding its objects as
// the run page shows them (media_items.js). Images are fetched only when on screen;
// figures are drawn only when on screen (so a page of 200 costs what is seen); texts
// read as Markdown or HTML are asked for only when on screen too, a batch at a time,
// and kept. At most MAX_ITEMS objects are placed.
//
//   const grid = mountMediaGrid(element, { kind, onDetails: (item, event) => {} });
//   grid.render(items, { rows: [fields], columns: [fields], valueOf, labelOf, matcher, textMode })
//     -> { placed, total }
//   grid.clear();
import { el } from "../../js/lib/dom.js";
import { describeKey, keyOf } from "../../js/lib/explorer_grouping.js";
import { runLabel } from "../../js/lib/format.js";
import { contextLabel } from "./metrics_picker.js";
import { toast } from "../../js/lib/toast.js";
import { audioCard, drawFigure, imageCard, observeImages, openImageModal, purgeFigures, setTextHtml, textCard } from "./media_items.js";
import { fetchTextHtml } from "./media_data.js";

export const MAX_ITEMS = { images: 2000, audios: 500, texts: 1000, figures: 200 };

function compareValues(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""), undefined, { numeric: true });
}

/** The items ordered by one field's value (Aim's "sort by"), ties kept in order. */
export function sortItems(items, field, valueOf, isDescending = false) {
  if (!field) return items;
  const sign = isDescending ? -1 : 1;
  return [...items].sort((a, b) => sign * compareValues(valueOf(a)(field), valueOf(b)(field)));
}

/** Groups of items by the fields' values, ordered by those values. */
function groupBy(items, fields, valueOf) {
  const groups = new Map();
  for (const item of items) {
    const key = keyOf(fields, valueOf(item));
    if (!groups.has(key)) groups.set(key, { key, values: fields.map((field) => valueOf(item)(field)), items: [] });
    groups.get(key).items.push(item);
  }
  return [...groups.values()].sort((a, b) => {
    for (let i = 0; i < fields.length; i += 1) {
      const order = compareValues(a.values[i], b.values[i]);
      if (order) return order;
    }
    return 0;
  });
}

const HTML_BATCH = 100; // objects/texts/html takes at most 100 ids

export function mountMediaGrid(root, { kind, onDetails }) {
  let observers = [];
  const textHtml = new Map(); // "mode:record id" -> sanitised HTML (null: refused)

  const label = (item) => runLabel(item.run, item.runHash);

  function card(item, matcher, textMode) {
    const { record, sequence } = item;
    const details = (event) => onDetails(item, event);
    const title = `${label(item)} · ${sequence.name}`;
    if (kind === "images") {
      const alt = record.caption || `${sequence.name} step ${record.step} index ${record.index}`;
      return imageCard(record, { alt, label: label(item), lazy: true, onDetails: details, onOpen: () => openImageModal(record, title) });
    }
    if (kind === "audios") return audioCard(record, { label: label(item), onDetails: details });
    if (kind === "texts") return textCard(record, matcher, { label: label(item), onDetails: details, mode: textMode });
    const plot = el("div", { className: "figure-plot", dataset: { pending: "" } });
    return el("div", { className: "media-card figure-card", dataset: { step: record.step, index: record.index } }, [
      el("button", {
        type: "button", className: "btn-link small mono media-where", text: `${label(item)} · step ${record.step} · index ${record.index}`,
        attrs: { "data-opens-popover": "" }, on: { click: details },
      }),
      plot,
    ]);
  }

  // A group's title; a run reads as its name (describeKey).
  function titleOf(fields, group, labelOf) {
    return describeKey(fields, (field) => group.values[fields.indexOf(field)], { labelOf, runOf: () => group.items[0].run });
  }

  function cellOf(items, matcher, textMode) {
    return el("div", `media-cell media-grid-${kind}`, items.map((item) => {
      const node = card(item, matcher, textMode);
      node.dataset.recordId = item.record.id;
      node.dataset.itemId = item.id;
      node.dataset.run = item.runHash;
      node.dataset.sequence = `${item.sequence.name} ${contextLabel(item.sequence.context)}`;
      return node;
    }));
  }

  function observeFigures(items) {
    const byId = new Map(items.map((item) => [item.id, item]));
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const plot = entry.target;
        observer.unobserve(plot);
        delete plot.dataset.pending;
        drawFigure(plot, byId.get(plot.closest("[data-item-id]").dataset.itemId).record);
      }
    }, { rootMargin: "200px" });
    root.querySelectorAll(".figure-plot[data-pending]").forEach((plot) => observer.observe(plot));
    return observer;
  }

  // Bodies that come on screen are filled from the cache, the rest asked for at once.
  function observeTexts(mode) {
    const recordOf = (body) => body.closest("[data-record-id]").dataset.recordId;
    const observer = new IntersectionObserver(async (entries) => {
      const waiting = [];
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        const key = `${mode}:${recordOf(entry.target)}`;
        if (textHtml.has(key)) setTextHtml(entry.target, textHtml.get(key));
        else waiting.push(entry.target);
      }
      for (let start = 0; start < waiting.length; start += HTML_BATCH) {
        const bodies = waiting.slice(start, start + HTML_BATCH);
        try {
          const answer = await fetchTextHtml(mode, bodies.map(recordOf));
          for (const body of bodies) {
            const html = answer.html[recordOf(body)] ?? null;
            textHtml.set(`${mode}:${recordOf(body)}`, html);
            if (body.isConnected) setTextHtml(body, html);
          }
        } catch (error) {
          toast(`Could not render the texts as ${mode}: ${error.message}`, "error");
        }
      }
    }, { rootMargin: "200px" });
    root.querySelectorAll("[data-html]").forEach((body) => observer.observe(body));
    return observer;
  }

  function clear() {
    observers.forEach((observer) => observer.disconnect());
    observers = [];
    purgeFigures(root);
    root.replaceChildren();
  }

  return {
    clear,
    render(allItems, { rows, columns, valueOf, labelOf, matcher = null, textMode = "text" }) {
      clear();
      const items = allItems.slice(0, MAX_ITEMS[kind]);
      const columnGroups = columns.length ? groupBy(items, columns, valueOf) : [{ key: "", values: [], items }];
      const rowGroups = rows.length ? groupBy(items, rows, valueOf) : [{ key: "", values: [], items }];
      const table = el("div", { className: "media-layout", style: { "--media-columns": String(columnGroups.length) } });
      if (columns.length) {
        table.append(el("div", "media-corner"), ...columnGroups.map((group) => el("div", "media-column-title mono", titleOf(columns, group, labelOf))));
      }
      for (const row of rowGroups) {
        const rowTitle = rows.length ? titleOf(rows, row, labelOf) : "";
        if (rows.length || columns.length) table.append(el("div", { className: "media-row-title mono", text: rowTitle }));
        const byColumn = columns.length ? new Map(groupBy(row.items, columns, valueOf).map((group) => [group.key, group.items])) : new Map([["", row.items]]);
        for (const column of columnGroups) table.append(cellOf(byColumn.get(column.key) || [], matcher, textMode));
      }
      root.classList.toggle("is-grouped", rows.length > 0 || columns.length > 0);
      root.append(table);
      if (kind === "images") observers.push(observeImages(root));
      if (kind === "figures") observers.push(observeFigures(items));
      if (kind === "texts" && (textMode === "markdown" || textMode === "html")) observers.push(observeTexts(textMode));
      return { placed: items.length, total: allItems.length };
    },
  };
}
