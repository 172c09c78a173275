// Run page entry: the sidebar (name, status, duration, hash, tags), the live socket,
// and the active tab's module (each tab has its own URL and its own module).
import { api } from "../../js/lib/http.js";
import { toast } from "../../js/lib/toast.js";
import { connectLive } from "../../js/lib/live.js";
import { formatDuration, runLabel } from "../../js/lib/format.js";
import { mountTagPicker, applyTagsEvent } from "../../js/lib/tag_picker.js";

// Literal import() calls, so collectstatic rewrites them to hashed names.
const TAB_MODULES = {
  overview: () => import("./run_tab_overview.js"),
  params: () => import("./run_tab_params.js"),
  metrics: () => import("./run_tab_charts.js"),
  system: () => import("./run_tab_charts.js"),
  distributions: () => import("./run_tab_distributions.js"),
  images: () => import("./run_tab_media.js"),
  audios: () => import("./run_tab_media.js"),
  texts: () => import("./run_tab_media.js"),
  figures: () => import("./run_tab_figures.js"),
  logs: () => import("./run_tab_logs.js"),
};

const data = JSON.parse(document.getElementById("run-page-data").textContent);
const run = { ...data };

function renderStatus() {
  const status = run.is_archived ? "archived" : run.status;
  const badge = document.querySelector("#run-status .badge");
  if (!badge) return;
  badge.className = `badge badge-${status}`;
  badge.dataset.status = status;
  badge.textContent = status;
}

function tickDuration() {
  const element = document.getElementById("run-duration");
  const start = Date.parse(run.created_at);
  const end = run.finished_at ? Date.parse(run.finished_at)
    : run.status === "active" ? Date.now() : Date.parse(run.updated_at);
  element.textContent = formatDuration((end - start) / 1000);
}

function initNameEdit() {
  const button = document.getElementById("run-name-edit");
  const form = document.getElementById("run-name-form");
  const title = document.getElementById("run-name");
  if (!button || !form) return;
  const input = form.elements.name;
  button.addEventListener("click", () => {
    form.hidden = false;
    input.value = run.name;
    input.focus();
  });
  form.querySelector("[data-cancel]").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await api(`/api/v1/runs/${run.hash}/`, { method: "PATCH", body: { name: input.value.trim() } });
      run.name = updated.name;
      title.textContent = runLabel(updated, run.hash);
      document.title = `${title.textContent} · aimsite`;
      form.hidden = true;
      toast("Run renamed.");
    } catch (error) {
      toast(error.message, "error");
    }
  });
}

function initCopyHash() {
  document.getElementById("copy-hash").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(run.hash);
      toast("Run hash copied.", "info");
    } catch {
      toast("Could not copy: select the hash and copy it by hand.", "error");
    }
  });
}

function initTags() {
  const container = document.querySelector("[data-tag-picker]");
  container.replaceChildren();
  mountTagPicker(container, { runHash: run.hash, tags: run.tags, canEdit: run.can_edit });
  return container;
}

function showRemoved(message) {
  const banner = document.getElementById("removed-banner");
  banner.textContent = message;
  banner.hidden = false;
}

function sidebarEvent(event, tagsContainer) {
  if (event.type === "run.updated" && event.run?.hash === run.hash) {
    Object.assign(run, {
      status: event.run.status, is_archived: event.run.is_archived,
      finished_at: event.run.finished_at, updated_at: event.run.updated_at,
    });
    renderStatus();
    tickDuration();
  } else if (event.type === "run.tags") {
    applyTagsEvent(tagsContainer, event);
  } else if (event.type === "runs.deleted" && event.hashes?.includes(run.hash)) {
    showRemoved("This run was deleted.");
  } else if (event.type === "runs.archived" && event.hashes?.includes(run.hash)) {
    run.is_archived = true;
    renderStatus();
  } else if (event.type === "runs.unarchived" && event.hashes?.includes(run.hash)) {
    run.is_archived = false;
    renderStatus();
  }
}

async function refreshRun() {
  try {
    const fresh = await api(`/api/v1/runs/${run.hash}/`);
    sidebarEvent({ type: "run.updated", run: fresh }, null);
  } catch (error) {
    console.error(error);
  }
}

async function main() {
  initNameEdit();
  initCopyHash();
  const tagsContainer = initTags();
  tickDuration();
  setInterval(() => { if (run.status === "active" && !run.finished_at) tickDuration(); }, 1000);

  let tab = {};
  const load = TAB_MODULES[data.tab];
  if (load) {
    const module = await load();
    tab = (await module.mount(data, run)) || {};
  }
  // The live socket opens once the tab's first screen is painted (or after 200 ms in
  // a background tab, which paints nothing): its handshake and catch-up request stay
  // off the way to it, and what happens meanwhile comes with onOpen.
  await new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 200);
  });
  let opens = 0;
  connectLive(`/ws/runs/${run.hash}/`, {
    onOpen: async () => {
      // After a reconnect, what changed while the socket was down (a status, an
      // archive) came as events nobody heard: read the run again.
      if (opens++) await refreshRun();
      if (tab.onOpen) await tab.onOpen();
    },
    onEvent: (event) => {
      sidebarEvent(event, tagsContainer);
      if (tab.onEvent) tab.onEvent(event);
    },
    onStatus: (status) => { document.body.dataset.live = status; },
    poll: () => tab.onOpen?.(),
  });
}

main().catch((error) => {
  console.error(error);
  toast(`This page failed to load: ${error.message}`, "error");
});
