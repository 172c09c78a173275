// Terminal Logs tab: a windowed view (only the visible rows exist in the DOM, rows have a
// fixed height) over lines loaded a page at a time: the newest page first, older pages
// when the user scrolls to the top. New lines stream over the socket; follow mode keeps
// the view at the bottom until the user scrolls up. Log records (run.log_info() …) carry
// a level badge; the level filter and the search box ask the server for matching lines
// only (every word, any case), each word highlighted here.
import { api } from "../../js/lib/http.js";
import { el } from "../../js/lib/dom.js";
import { ansiNodes, stripAnsi } from "./run_ansi.js";
import { anyWordMatcher, highlight } from "./text_search.js";

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
  const levelSelect = document.getElementById("logs-level");
  const searchInput = document.getElementById("logs-search");
  let lines = []; // [{line, text, level}] sorted by line number
  let total = Number(view.dataset.total) || 0;
  // Bumped by each filter change: an answer asked for under an older filter is dropped.
  let generation = 0;
  let hasOlder = false;
  let loadingOlder = false;
  let following = true;
  let programmaticScroll = false;
  let renderQueued = false;
  let catchingUp = null;
  let filter = { levels: "", search: "", matcher: null };

  function filtered() {
    return Boolean(filter.levels || filter.matcher);
  }

  function query(extra) {
    const params = new URLSearchParams(extra);
    if (filter.levels) params.set("level", filter.levels);
    if (filter.matcher) params.set("search", filter.search);
    return `/api/v1/runs/${run.hash}/logs?${params}`;
  }

  function keep({ line, text, level }) {
    return { line, text, level: level || "" };
  }

  function matches(item) {
    if (filter.levels && !filter.levels.split(",").includes(item.level || "")) return false;
    return !filter.matcher || filter.matcher.test(item.text);
  }

  function rowText(item) {
    // A search shows plain text with the matches marked; otherwise ANSI colours.
    return filter.matcher ? highlight(stripAnsi(item.text), filter.matcher) : ansiNodes(item.text);
  }

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
      const item = lines[i];
      const cells = [el("span", "log-number", String(item.line).padStart(width, " "))];
      if (item.level) {
        cells.push(el("span", { className: `log-level log-level-${item.level}`, dataset: { level: item.level } },
          item.level.toUpperCase()));
      }
      cells.push(el("span", "log-text", rowText(item)));
      fragment.append(el("div", { className: "log-row", dataset: { line: item.line } }, cells));
    }
    if (!lines.length && filtered()) fragment.append(el("div", "log-empty", "No lines match the filter."));
    rows.replaceChildren(fragment);
    count.textContent = `${total.toLocaleString()} ${filtered() ? "matching " : ""}lines`;
  }

  function queueRender() {
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(render);
    }
  }

  function appendLines(incoming) {
    const after = lastLine();
    const fresh = incoming.filter((item) => item.line > after && matches(item));
    if (!fresh.length) return;
    lines.push(...fresh.map(keep));
    total += fresh.length;
    render();
    if (following) scrollToBottom();
  }

  async function loadOlder() {
    if (!hasOlder || loadingOlder || !lines.length) return;
    loadingOlder = true;
    try {
      const asked = generation;
      const page = await api(query({ before: lines[0].line, limit: PAGE }));
      if (asked !== generation) return; // the filter changed meanwhile: a stale page
      hasOlder = page.lines.length === PAGE;
      total = Math.max(total, page.total);
      if (page.lines.length) {
        lines = [...page.lines.map(keep), ...lines];
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
        const asked = generation;
        const page = await api(query({ after: lastLine(), limit: PAGE }));
        if (asked !== generation) break; // the filter changed meanwhile: a stale page
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

  async function loadLatest() {
    const asked = generation;
    const page = await api(query({ limit: PAGE }));
    if (asked !== generation) return;
    lines = page.lines.map(keep);
    total = page.total;
    hasOlder = page.lines.length === PAGE;
    setFollowing(true);
    render();
    scrollToBottom();
  }

  let reloading = Promise.resolve();
  function applyFilter() {
    const search = searchInput.value.trim();
    if (search === filter.search && levelSelect.value === filter.levels) return;
    filter = { levels: levelSelect.value, search, matcher: anyWordMatcher(search) };
    generation += 1;
    view.dataset.ready = "false";
    // Lines streamed in while the page loads were added to the lines it replaces:
    // catching up after it fetches them again.
    reloading = reloading.then(loadLatest).then(catchUp).finally(() => { view.dataset.ready = "true"; });
  }
  let typing = null;
  levelSelect.addEventListener("change", applyFilter);
  searchInput.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(applyFilter, 250);
  });

  const ready = (async () => {
    await loadLatest();
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
        // (A filtered view has gaps by design: the new lines are filtered here.)
        if (!filtered() && lines.length && first > lastLine() + 1) catchUp();
        else appendLines(event.lines);
      });
    },
  };
}
