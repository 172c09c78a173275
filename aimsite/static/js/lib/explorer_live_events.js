// What the comparing explorers (Metrics, Params, Scatters, media) do with the runs
// socket's events (ws/runs/, runs/live.py): a new or unarchived run may match the
// query, so the page asks again (debounced, so a burst asks once); a changed run is
// the page's call; new tags go to the page; an archived or deleted run that is shown
// makes the page ask again.
//
//   const live = explorerLiveEvents({ load, isShown: (hash) => bool,
//                                     onRunUpdated: (event, requery) => {}, onTags: (event) => {} });
//   live.onEvent(event);   live.requery();
const REQUERY_DELAY_MS = 300;

export function explorerLiveEvents({ load, isShown, onRunUpdated = (_event, requery) => requery(), onTags }) {
  let timer = null;

  function requery() {
    clearTimeout(timer);
    timer = setTimeout(() => load(), REQUERY_DELAY_MS);
  }

  function onEvent(event) {
    switch (event.type) {
      case "run.created":
      case "runs.unarchived":
        requery();
        break;
      case "run.updated":
        onRunUpdated(event, requery);
        break;
      case "run.tags":
        onTags(event);
        break;
      case "runs.archived":
      case "runs.deleted":
        if (event.hashes.some(isShown)) requery();
        break;
      default:
    }
  }

  return { onEvent, requery };
}
