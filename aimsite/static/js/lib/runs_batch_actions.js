// Archive, Unarchive and Delete for the runs table's selection: one implementation
// for every page that shows the runs table (the explorer, an experiment's Runs tab).
//
//   const actions = mountBatchActions(toolbar, table);   // toolbar: templates/runs/_batch_actions.html
//   actions.update(selection);                            // from the table's onSelectionChange
//
// Rows carry data-can-edit (owner or staff, rendered by the server), so a selection
// holding anyone else's run disables the buttons at once, with a tooltip and a note
// saying why. A selection by query ("all N matching") is counted by the server
// (POST /api/v1/runs/selection -> {total, changeable, owned, archived}). On a click the
// server counts the selection afresh and the confirmation states how many runs change,
// and how many belong to other users when staff acts on them; the batch request
// carries the confirmed count as `expected`, so a selection that moved meanwhile is
// refused and nothing changes.

import { api } from "./http.js";
import { toast } from "./toast.js";
import { confirmDialog } from "./dialog.js";
import { plural } from "./format.js";

const API = "/api/v1/runs";
const RULE = "Only a run's owner or staff may archive or delete it.";

const runs = (n) => plural(n, "run");
const scope = (allMatching) => (allMatching ? "runs matching the query" : "selected runs");

function target(selection) {
  return selection.allMatching ? { q: selection.query } : { hashes: selection.hashes };
}

/** Why the selection may not be changed ("" when it may): the note's sentence. */
function refusal(notEditable, total, allMatching) {
  if (!notEditable) return "";
  if (total === 1) return "This run belongs to another user.";
  if (notEditable === total) return `All ${total} ${scope(allMatching)} belong to other users.`;
  const verb = notEditable === 1 ? "belongs to another user" : "belong to other users";
  return `${notEditable} of the ${total} ${scope(allMatching)} ${verb}.`;
}

/** "3 runs", "all 5 runs matching the query", "3 of the 5 selected runs (2 already archived)". */
function described(changes, summary, allMatching, skipped) {
  const { total } = summary;
  if (changes < total) return `${changes} of the ${total} ${scope(allMatching)} (${skipped(total - changes)})`;
  if (!allMatching) return runs(total);
  return total === 1 ? "the 1 run matching the query" : `all ${runs(total)} matching the query`;
}

/** For staff acting on other users' runs: say so before they confirm. */
function othersNote(summary, allMatching) {
  const others = summary.total - summary.owned;
  if (!others) return "";
  if (summary.total === 1) return " It belongs to another user; as staff you may change it.";
  const verb = others === 1 ? "belongs to another user" : "belong to other users";
  return ` ${others} of the ${summary.total} ${scope(allMatching)} ${verb}; as staff you may change ${others === 1 ? "it" : "them"}.`;
}

const ACTIONS = {
  archive: {
    verb: "Archive",
    changes: (summary) => summary.total - summary.archived,
    skipped: (n) => `${n} already archived`,
    nothing: "The selected runs are already archived.",
    after: " Archived runs are hidden from the explorer until unarchived.",
    body: (selection) => ({ ...target(selection), is_archived: true }),
    path: "archive",
    done: (result) => `Archived ${runs(result.count)}`,
  },
  unarchive: {
    verb: "Unarchive",
    changes: (summary) => summary.archived,
    skipped: (n) => `${n} not archived`,
    nothing: "None of the selected runs is archived.",
    body: (selection) => ({ ...target(selection), is_archived: false }),
    path: "archive",
    done: (result) => `Unarchived ${runs(result.count)}`,
  },
  delete: {
    verb: "Delete",
    changes: (summary) => summary.total,
    what: " with all their metrics, logs and files",
    warning: "This operation is irreversible: the runs are deleted from the disk.",
    danger: true,
    body: target,
    path: "delete",
    done: (result) => `Deleted ${runs(result.count)}`,
  },
};

function confirmation(action, summary, allMatching) {
  const changes = action.changes(summary);
  return {
    title: `${action.verb} runs`,
    message: `${action.verb} ${described(changes, summary, allMatching, action.skipped)}${action.what || ""}?`
      + othersNote(summary, allMatching) + (action.after || ""),
    warning: action.warning || "",
    confirmLabel: action.verb,
    danger: Boolean(action.danger),
  };
}

export function mountBatchActions(toolbar, table) {
  const buttons = Object.fromEntries(Object.keys(ACTIONS).map((name) => [name, toolbar.querySelector(`[data-action="${name}"]`)]));
  const note = toolbar.querySelector("[data-batch-note]");
  let counted = { key: "", summary: null };
  let shown = 0;
  let busy = false;

  const count = (selection) => api(`${API}/selection`, { method: "POST", body: target(selection) });

  /** state: {count, allMatching, notEditable (null: not counted yet), hasArchived,
   *  hasUnarchived, failure (why counting failed)} */
  function render(state) {
    const reason = refusal(state.notEditable, state.count, state.allMatching);
    const counting = Boolean(state.count) && state.notEditable === null;
    const blocked = !state.count || counting || Boolean(reason);
    buttons.archive.disabled = blocked || !state.hasUnarchived;
    buttons.unarchive.disabled = blocked || !state.hasArchived;
    buttons.delete.disabled = blocked;
    const title = reason ? `${reason} ${RULE}` : counting ? state.failure || "Counting the runs you may change…" : "";
    Object.values(buttons).forEach((button) => {
      if (title) button.title = title;
      else button.removeAttribute("title");
    });
    if (note) {
      note.textContent = reason;
      note.hidden = !reason;
    }
  }

  function fromSummary(selection, summary) {
    return {
      count: summary.total,
      allMatching: selection.allMatching,
      notEditable: summary.total - summary.changeable,
      hasArchived: summary.archived > 0,
      hasUnarchived: summary.archived < summary.total,
    };
  }

  async function update(selection) {
    const call = ++shown;
    if (!selection.allMatching || !selection.count) {
      render({ ...selection, count: selection.count || 0 });
      return;
    }
    // Only the server knows who owns every run a query matches; ask once per
    // query and total (a live change of the total asks again).
    const key = `${selection.query}\n${selection.count}`;
    if (counted.key !== key) {
      render({ ...selection, notEditable: null });
      let summary;
      try {
        summary = await count(selection);
      } catch (error) {
        if (call === shown) render({ ...selection, notEditable: null, failure: `Could not count the selected runs: ${error.message}` });
        return;
      }
      counted = { key, summary };
    }
    if (call === shown) render(fromSummary(selection, counted.summary));
  }

  async function act(action) {
    const selection = table.selection();
    if (!selection.count || busy) return;
    busy = true;
    try {
      // Counted afresh: rows on the page may be stale, and what the dialog says is
      // what the server is asked to change (`expected`).
      const summary = await count(selection);
      counted = { key: "", summary: null };
      const reason = refusal(summary.total - summary.changeable, summary.total, selection.allMatching);
      if (reason) {
        // The rows on the page were stale (a run changed hands): show the truth.
        toast(`${reason} ${RULE}`, "error");
        render(fromSummary(selection, summary));
        return;
      }
      if (!action.changes(summary)) {
        toast(action.nothing, "info");
        return;
      }
      if (!(await confirmDialog(confirmation(action, summary, selection.allMatching)))) return;
      const result = await api(`${API}/${action.path}`, {
        method: "POST",
        body: { ...action.body(selection), expected: summary.total },
      });
      toast(action.done(result));
      await table.reload();
    } catch (error) {
      toast(error.message, "error");
    } finally {
      busy = false;
    }
  }

  Object.entries(ACTIONS).forEach(([name, action]) => {
    buttons[name].addEventListener("click", () => act(action));
  });
  return { update };
}
