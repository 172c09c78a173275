// One tracked object drawn the same way on the run page's media tabs and in the media
// explorer: an image card, an audio player that shows its duration before it plays
// (it loads only the file's metadata) with a download link, a text card with search highlights, a Plotly
// figure, and the full-size image modal (the one <dialog> pattern,
// templates/runs/_image_modal.html).
//
//   imageCard(record, { alt, label, onOpen, onDetails, lazy })
//   audioCard(record, { label, onDetails })      textCard(record, matcher, { label, onDetails, mode })
//   drawFigure(plotElement, record)               purgeFigures(container)
//   openImageModal(record, title)
import { el, parseHtml } from "../../js/lib/dom.js";
import { whenPlotly } from "../../js/lib/plotly.js";
import { highlight } from "./text_search.js";

const where = (record) => `step ${record.step} · index ${record.index}`;

function cardHeader(record, label, onDetails) {
  const text = label ? `${label} · ${where(record)}` : where(record);
  if (!onDetails) return el("div", "muted small mono media-where", text);
  return el("button", {
    type: "button", className: "btn-link small mono media-where", text,
    attrs: { "data-opens-popover": "", title: "Run, step and tags" },
    on: { click: (event) => onDetails(event) },
  });
}

/** An image card. With `lazy`, the file is fetched only when the card is on screen
 *  (`data-src`; observeImages() sets `src`). */
export function imageCard(record, { alt, label = "", onOpen, onDetails = null, lazy = false }) {
  const image = el("img", { alt });
  if (lazy) image.dataset.src = record.url;
  else { image.loading = "lazy"; image.src = record.url; }
  if (record.width) { image.width = record.width; image.height = record.height; }
  image.addEventListener("click", (event) => (onDetails ? onDetails(event) : onOpen()));
  const expand = el("button", {
    type: "button", className: "btn-link small media-expand", text: "⤢",
    attrs: { "aria-label": `Open ${alt} full size`, title: "Full size" },
    on: { click: onOpen },
  });
  const card = el("figure", { className: "media-card image-card", tabIndex: 0, dataset: { step: record.step, index: record.index } }, [
    image,
    el("figcaption", {}, [
      el("span", "media-caption", record.caption || ""),
      el("span", "media-card-foot", [cardHeader(record, label, onDetails), expand]),
    ]),
  ]);
  card.addEventListener("keydown", (event) => { if (event.key === "Enter" && event.target === card) onOpen(); });
  return card;
}

/** Set `src` on lazy images of `root` as they come within `margin` of the screen. */
export function observeImages(root, { margin = "200px" } = {}) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const image = entry.target;
      image.src = image.dataset.src;
      delete image.dataset.src;
      observer.unobserve(image);
    }
  }, { rootMargin: margin });
  root.querySelectorAll("img[data-src]").forEach((image) => observer.observe(image));
  return observer;
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "–:––";
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function audioCard(record, { label = "", onDetails = null } = {}) {
  const duration = el("span", { className: "muted small mono audio-duration", text: "–:––", attrs: { "aria-label": "Duration" } });
  const player = el("audio", { controls: true, preload: "metadata", src: record.url });
  player.addEventListener("loadedmetadata", () => { duration.textContent = formatDuration(player.duration); });
  // Aim's audio box has a download button; the player's own menu hides it.
  const download = el("a", {
    className: "btn-link small media-download", href: record.url, text: "Download",
    attrs: { download: "", "aria-label": `Download the audio of ${where(record)}` }, // named by the server
  });
  return el("div", { className: "media-card audio-card", dataset: { step: record.step, index: record.index } }, [
    el("div", "media-caption", record.caption || "(no caption)"),
    el("div", "media-card-foot", [cardHeader(record, label, onDetails), duration]),
    player,
    download,
  ]);
}

/** TEXT_MODES: how a text reads (Aim's text renderer): as plain text, as code, or
 *  as Markdown or HTML sanitised on the server (the body then waits, `data-html`,
 *  until the grid fills it with setTextHtml). */
export const TEXT_MODES = ["text", "markdown", "html", "code"];

export function textCard(record, matcher, { label = "", onDetails = null, mode = "text" } = {}) {
  const isRendered = mode === "markdown" || mode === "html";
  const body = el(isRendered ? "div" : "pre", { className: `text-body text-mode-${mode}` });
  body.append(...highlight(record.text, isRendered ? null : matcher));
  if (isRendered) body.dataset.html = mode;
  return el("div", { className: "media-card text-card", dataset: { step: record.step, index: record.index } }, [
    cardHeader(record, label, onDetails),
    body,
  ]);
}

/** A waiting text body filled with its server-sanitised HTML (null: the Markdown
 *  took too long to render, so the text stays as it is). */
export function setTextHtml(body, html) {
  delete body.dataset.html;
  if (html === null || html === undefined) {
    body.classList.add("is-plain");
    body.title = "Shown as plain text: it took too long to render";
    return;
  }
  body.classList.add("markdown-body");
  body.replaceChildren(parseHtml(html)); // sanitised server-side by nh3 (media_tracks.services)
}

/** Draw a tracked Plotly figure ({data, layout}) at its own size. */
export async function drawFigure(plot, record) {
  const figure = record.data || {};
  const layout = { ...(figure.layout || {}) };
  if (layout.width) plot.style.width = `${layout.width}px`;
  plot.style.height = `${layout.height || 450}px`;
  const Plotly = await whenPlotly({ full: true }); // a figure may hold any trace type
  return Plotly.newPlot(plot, figure.data || [], layout, { displaylogo: false, responsive: !layout.width });
}

/** Free the figures inside `container` before its DOM is replaced. */
export function purgeFigures(container) {
  if (!window.Plotly) return; // nothing was drawn yet
  for (const node of container.querySelectorAll(".js-plotly-plot")) window.Plotly.purge(node);
}

export function openImageModal(record, title) {
  const modal = document.getElementById("image-modal");
  const image = document.getElementById("image-modal-img");
  image.src = record.url;
  image.alt = record.caption || title;
  document.getElementById("image-modal-caption").textContent = record.caption || "(no caption)";
  document.getElementById("image-modal-meta").textContent =
    `${title} · ${where(record)}${record.width ? ` · ${record.width}×${record.height}` : ""}`;
  modal.showModal();
}
