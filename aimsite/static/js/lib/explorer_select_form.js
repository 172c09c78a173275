// The buttons of a sequence explorer's select form (Metrics, Images, Figures, Audios,
// Texts; markup: templates/runs/explorers/_select_form.html): the Advanced switch
// (on: the composed query goes into the search bar to be edited; off: back to the
// run-level query typed before), Reset (every state key to its default, no query)
// and Copy query (the query the view runs). The picked sequences live in the
// address as `select`, a JSON list of {name, context}.
//
//   mountSelectForm(root, { shell, stateKeys, composed: (state) => query,
//                           effectiveQuery: (state) => query, onReset: () => {} })
//     .sync(state, picker) -> { isAdvanced, selection }   // before each load
//   selectionOf(state)   // the picked [{name, context}] from the address
import { toast } from "./toast.js";

export function selectionOf(state) {
  try {
    const parsed = JSON.parse(state.select || "[]");
    return Array.isArray(parsed) ? parsed.filter((item) => item && typeof item.name === "string") : [];
  } catch {
    return [];
  }
}

export function mountSelectForm(root, { shell, stateKeys, composed, effectiveQuery, onReset = () => {} }) {
  const form = root.querySelector("[data-search-form]");
  const input = root.querySelector("[data-search-input]");
  const advancedToggle = root.querySelector("#advanced-mode");
  let simpleQuery = ""; // the run-level query to go back to when advanced mode is left

  function searchFor(query) {
    input.value = query;
    form.requestSubmit();
  }

  advancedToggle.addEventListener("change", () => {
    const current = shell.state();
    if (advancedToggle.checked) {
      simpleQuery = shell.query;
      shell.setState({ adv: "1" });
      searchFor(composed(current));
    } else {
      shell.setState({ adv: "0" });
      searchFor(simpleQuery);
    }
  });

  root.querySelector("#reset-query").addEventListener("click", () => {
    shell.setState(Object.fromEntries(Object.keys(stateKeys).map((key) => [key, null])));
    onReset();
    searchFor("");
  });

  root.querySelector("#copy-query").addEventListener("click", async () => {
    const query = effectiveQuery(shell.state());
    try {
      await navigator.clipboard.writeText(query);
      toast("Query copied");
    } catch {
      toast(`Could not copy; the query is: ${query}`, "info");
    }
  });

  return {
    /** Show the address's state on the form (the switch, the picker's chips; the
     *  picker is off in advanced mode) and say what it is. */
    sync(state, picker) {
      const isAdvanced = state.adv === "1";
      const selection = selectionOf(state);
      advancedToggle.checked = isAdvanced;
      picker.setSelection(selection);
      picker.setDisabled(isAdvanced);
      return { isAdvanced, selection };
    },
  };
}
