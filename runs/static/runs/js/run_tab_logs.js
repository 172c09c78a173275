// Terminal Logs tab: a windowed view (only the visible rows exist in the DOM, rows have a
// fixed height) over lines loaded a page at a time: the newest page first, older pages
// when the user scrolls to the top. New lines stream over the socket; follow mode keeps
// the view at the bottom until the user scrolls up.
import { api } from "../../js/lib/http.js";
import { el } from "../../js/lib/dom.js";
import { ansiNodes } from "./run_ansi.js";

const ROW_HEIGHT = 20;
const OVERSCAN = 30;
const PAGE = 2000;

export function mount(data, run) {
  const view = document.getElementById("log-view");
  if (!view) return {};
  const spacer = document.getElementById("log-spacer");
  const rows = document.getElementById("log-rows");
  const count = document.getElementById("logs-count");
  const followButton = document.getElementById("logs-follow");
  const topButton = document.getElementById("logs-top");
  let lines = []; // [{line, text}] sorted by line number
  let total = Number(view.dataset.total) || 0;
  let hasOlder = false;
  let loadingOlder = false;
  let following = true;
  let programmaticScroll = false;
  let renderQueued = false;
  let catchingUp = null;

  function lastLine() {
    return lines.length ? lines[lines.length - 1].line : -1;
  }

  function setFollowing(value) {
    following = value;
    followButton.textContent = value ? "Following" : "Follow";
    followButton.setAttribute("aria-pressed", String(value));
    view.dataset.following = String(value);
  }

  function scrollToBottom() {
    programmaticScroll = true;
    view.scrollTop = view.scrollHeight;
  }

  function render() {
    renderQueued = false;
    spacer.style.height = `${lines.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(view.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(lines.length, Math.ceil((view.scrollTop + view.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const fragment = document.createDocumentFragment();
    const width = String(lines.length ? lines[lines.length - 1].line : 0).length;
    for (let i = first; i < last; i += 1) {
      fragment.append(el("div", { className: "log-row", dataset: { line: lines[i].line } }, [
        el("span", "log-number", String(lines[i].line).padStart(width, " ")),
        el("span", "log-text", ansiNodes(lines[i].text)),
      ]));
    }
    rows.replaceChildren(fragment);
    count.textContent = `${total.toLocaleString()} lines`;
  }

  function queueRender() {
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(render);
    }
  }

  function appendLines(incoming) {
    const after = lastLine();
    const fresh = incoming.filter((item) => item.line > after);
    if (!fresh.length) return;
    lines.push(...fresh.map(({ line, text }) => ({ line, text })));
    total += fresh.length;
    render();
    if (following) scrollToBottom();
  }

  async function loadOlder() {
    if (!hasOlder || loadingOlder || !lines.length) return;
    loadingOlder = true;
    try {
      const page = await api(`/api/v1/runs/${run.hash}/logs?before=${lines[0].line}&limit=${PAGE}`);
      hasOlder = page.lines.length === PAGE;
      total = Math.max(total, page.total);
      if (page.lines.length) {
        lines = [...page.lines.map(({ line, text }) => ({ line, text })), ...lines];
        spacer.style.height = `${lines.length * ROW_HEIGHT}px`;
        programmaticScroll = true;
        view.scrollTop += page.lines.length * ROW_HEIGHT;
        render();
      }
    } finally {
      loadingOlder = false;
    }
  }

  async function catchUp() {
    // Fetch everything after the last line we hold (after a reconnect, or a gap).
    if (catchingUp) return catchingUp;
    catchingUp = (async () => {
      for (;;) {
        const page = await api(`/api/v1/runs/${run.hash}/logs?after=${lastLine()}&limit=${PAGE}`);
        appendLines(page.lines);
        total = Math.max(total, page.total);
        if (page.lines.length < PAGE) break;
      }
      render();
    })().finally(() => { catchingUp = null; });
    return catchingUp;
  }

  view.addEventListener("scroll", () => {
    if (programmaticScroll) {
      programmaticScroll = false;
    } else {
      const atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - ROW_HEIGHT * 2;
      if (atBottom !== following) setFollowing(atBottom);
    }
    if (view.scrollTop < ROW_HEIGHT * 50) loadOlder();
    queueRender();
  });
  followButton.addEventListener("click", () => {
    setFollowing(true);
    scrollToBottom();
  });
  topButton.addEventListener("click", async () => {
    setFollowing(false);
    while (hasOlder) await loadOlder();
    programmaticScroll = true;
    view.scrollTop = 0;
  });

  const ready = (async () => {
    const page = await api(`/api/v1/runs/${run.hash}/logs?limit=${PAGE}`);
    lines = page.lines.map(({ line, text }) => ({ line, text }));
    total = page.total;
    hasOlder = page.lines.length === PAGE;
    setFollowing(true);
    render();
    scrollToBottom();
    view.dataset.ready = "true";
  })();

  return {
    async onOpen() {
      await ready;
      await catchUp();
    },
    onEvent(event) {
      if (event.type !== "run.logs" || event.hash !== run.hash || !event.lines?.length) return;
      ready.then(() => {
        const first = Math.min(...event.lines.map((item) => item.line));
        // Lines are numbered by the client; a jump means we missed some: fetch them.
        if (lines.length && first > lastLine() + 1) catchUp();
        else appendLines(event.lines);
      });
    },
  };
}
